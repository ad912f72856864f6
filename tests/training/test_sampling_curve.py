import json

import pytest

from tests.compose.builders import tiny_evaluator, tiny_interactor, tiny_real_folder
from training import sampling_curve


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from t2i_core.text import build_text_encoder

    root = tmp_path_factory.mktemp("curve")
    generator = tiny_interactor(root / "interactor", build_text_encoder("minilm"))
    return {"data": tiny_real_folder(root / "real"), "generator": generator,
            "evaluator": tiny_evaluator(root / "evaluator"), "cache": root / "cache"}


def run(setup, out, *extra):
    argv = ["--data", str(setup["data"]), "--split", "train", "--evaluator", str(setup["evaluator"]),
            "--generator", str(setup["generator"]), "--max-clips", "4", "--out", str(out),
            "--cache-dir", str(setup["cache"]), "--device", "cpu", *extra]
    return sampling_curve.main(argv)


def test_a_sweep_writes_each_cell_a_rerun_adds_only_new_ones_and_another_set_up_is_refused(
        setup, tmp_path, monkeypatch, capsys):
    out = tmp_path / "curve.json"
    assert run(setup, out, "--guidance", "1", "3", "--steps", "1") == 0
    first = json.loads(out.read_text())["cells"]
    assert sorted(first) == ["g1_s1", "g3_s1"]
    assert first["g1_s1"]["summary"]["fid"] != first["g3_s1"]["summary"]["fid"]
    table = out.with_suffix(".md").read_text().splitlines()
    assert table[0].startswith("| guidance | DDIM steps | R@1 | R@3 | FID") and len(table) == 4

    calls = []
    real_protocol = sampling_curve.run_protocol
    monkeypatch.setattr(sampling_curve, "run_protocol",
                        lambda *a, **k: calls.append((a[2].guidance_scale, a[2].steps)) or real_protocol(*a, **k))
    assert run(setup, out, "--guidance", "1", "--steps", "1", "2") == 0
    cells = json.loads(out.read_text())["cells"]
    assert calls == [(1.0, 2)] and sorted(cells) == ["g1_s1", "g1_s2", "g3_s1"]
    assert cells["g1_s1"] == first["g1_s1"]

    assert run(setup, out, "--guidance", "1", "--steps", "1", "--replications", "2") == 2
    assert "another set-up" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(setup, out, "--guidance", "-1")
