import json

from t2i_core.protocol import GENERATION_NOISE
from training.experiment import Experiment, cached


def test_an_evaluation_cached_before_per_item_noise_is_computed_again(tmp_path):
    experiment = Experiment(what="an ablation", title="t", settings_file="settings.json", settings={"steps": 10},
                            record_key="made_with", arm_key="arm", setup=None, arms=())
    wanted = experiment.record(None)
    assert wanted["generation_noise"] == GENERATION_NOISE
    path = tmp_path / "eval.json"
    old = {k: v for k, v in wanted.items() if k != "generation_noise"}  # written before issue 22
    path.write_text(json.dumps({"fid": 1.0, "made_with": old}))
    calls = []

    def compute():
        calls.append(1)
        return {"fid": 2.0}

    assert cached(path, "made_with", wanted, compute)["fid"] == 2.0 and calls == [1]
    assert cached(path, "made_with", wanted, compute)["fid"] == 2.0 and calls == [1]  # now current: reused
