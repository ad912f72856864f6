"""python -m training.compose person2-eval on tiny models built on the fly."""

import json

import pytest

from tests.compose.builders import tiny_evaluator, tiny_interactor, tiny_real_folder, tiny_single_evaluator
from training import compose


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from t2i_core.text import build_text_encoder

    root = tmp_path_factory.mktemp("person2_eval")
    encoder = build_text_encoder("minilm")
    descriptions = tiny_real_folder(root / "ood", clips=6)
    ids = (descriptions / "split" / "train.txt").read_text().split()
    (descriptions / "split" / "relation_copy.txt").write_text("\n".join(ids[:3]) + "\n")
    (descriptions / "split" / "relation_together.txt").write_text("\n".join(ids[3:]) + "\n")
    return {"real": tiny_real_folder(root / "real"), "descriptions": descriptions,
            "model": tiny_interactor(root / "model", encoder), "single": tiny_interactor(root / "single", encoder, 1),
            "evaluator": tiny_evaluator(root / "evaluator"), "person": tiny_single_evaluator(root / "person"),
            "cache": root / "cache"}


def person2_eval(setup, *extra):
    return compose.main(["person2-eval", "--descriptions", str(setup["descriptions"]), "--split", "train",
                         "--real", str(setup["real"]), "--model", str(setup["model"]), "--single-person",
                         str(setup["single"]), "--evaluator", str(setup["evaluator"]), "--steps", "2",
                         "--min-seconds", "1", "--max-seconds", "1.2", "--batch-size", "4", "--cache-dir",
                         str(setup["cache"]), "--device", "cpu", "--no-progress", *extra])


def test_the_table_compares_the_methods_and_the_json_keeps_it(setup, tmp_path, capsys):
    out = tmp_path / "person2.json"
    assert person2_eval(setup, "--methods", "reaction", "coupled:0.4", "coupled:0.8", "--person-evaluator",
                        str(setup["person"]), "--max-descriptions", "5", "--json", str(out)) == 0
    printed = capsys.readouterr().out
    assert "| method | n | cosine ↑ | person2_cosine ↑ | penetration ↓ | jitter ↓ | foot_skating ↓ |" in printed
    assert "| coupled:0.4 |" in printed and "| coupled:0.8 |" in printed and "cosine - reaction" in printed
    assert "cosine, copy" in printed and "cosine, together" in printed  # the folder's relation lists
    stored = json.loads(out.read_text())
    assert list(stored["methods"]) == ["reaction", "coupled:0.4", "coupled:0.8"]
    assert stored["count"] + stored["unsplittable"] == 5 and stored["count"] > 0
    row = stored["methods"]["coupled:0.4"]
    assert row["n"] == stored["count"] and row["cosine"]["low"] <= row["cosine"]["mean"] <= row["cosine"]["high"]
    assert 0.0 <= row["cosine_vs_first"]["wins"] <= 1.0


@pytest.mark.parametrize(("extra", "message"), [
    (("--methods", "coupled:2"), "accepted: reaction, or coupled:S"),
    (("--max-descriptions", "0"), "--max-descriptions must be at least 1"),
    (("--split", "nowhere"), "unknown split 'nowhere'"),
    (("--person-evaluator", "EVALUATOR"), "is a two-person evaluator"),
    (("--library", "REAL"), "use --person1 retrieved"),
])
def test_bad_input_is_one_line_and_exit_2(setup, capsys, extra, message):
    extra = tuple(str(setup["evaluator"]) if e == "EVALUATOR" else str(setup["real"]) if e == "REAL" else e
                  for e in extra)
    assert person2_eval(setup, *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
