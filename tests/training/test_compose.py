import json

import pytest

from tests.fixtures import write_caption_folder
from training import compose

CAPTIONS = {
    "0": ["one person waves at the other with the left hand.", "a person waves and the other waves back."],
    "1": ["one person hugs the other person.", "two people embrace."],
}


def _records():
    phase = {"initiator": 1, "side": "left", "speed": "normal", "options": {}, "start": 0, "end": 9}
    return [{"id": "0", "group": 0, "contrast": None, "phases": [{**phase, "kind": "wave"}]},
            {"id": "1", "group": 1, "contrast": None, "phases": [{**phase, "kind": "hug", "side": None}]}]


def test_space_writes_json_and_prints_the_agreement(tmp_path, capsys):
    root = write_caption_folder(tmp_path / "d", CAPTIONS, records=_records())
    out = tmp_path / "space.json"
    assert compose.main(["space", "--data", str(root), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "prompt space of d: 2 clips, 4 captions" in printed
    assert "agreement with the manifest" in printed and "theme 100.0%" in printed
    assert json.loads(out.read_text())["theme_counts"]["greeting"] == 2


def test_describe_prints_labels_and_splits(tmp_path, capsys):
    root = write_caption_folder(tmp_path / "d", CAPTIONS)
    assert compose.main(["describe", "--data", str(root), "--n", "5", "--seed", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("initiator: a person") == 5
    assert "of 5 descriptions have a theme x tag combination no caption has; 5 split" in printed
    assert compose.main(["describe", "--data", str(root), "--n", "5", "--seed", "1"]) == 0
    assert capsys.readouterr().out == printed  # seeded


def test_describe_broad_counts_descriptions_with_new_actions(tmp_path, capsys):
    named = ("one person claps, squats, nods, salutes, shrugs, stomps, lunges, crouches, kneels, sways, cheers and "
             "hops, then the other person catches a ball and throws it.")
    root = write_caption_folder(tmp_path / "d", {**CAPTIONS, "2": [named]})
    assert compose.main(["describe", "--data", str(root), "--n", "40", "--seed", "2", "--descriptions", "broad"]) == 0
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if line.startswith("[")]
    assert len(lines) == 40 and printed.count("initiator: a person") == 40
    new = sum("new action: solo:" in line for line in lines)
    assert 0 < new < 40  # a description with only actions the captions name uses no new action
    assert f"{new} of 40 descriptions use a solo action that no caption of d names" in printed
    assert compose.main(["describe", "--data", str(root), "--n", "2", "--descriptions", "broad",
                         "--language-model", str(tmp_path)]) == 2


@pytest.mark.parametrize("make, argv, message", [
    (lambda t: None, ["space", "--data", "{t}/missing"], "data folder not found"),
    (lambda t: (t / "c" / "annots").mkdir(parents=True), ["space", "--data", "{t}/c"], "no captions"),
    (lambda t: write_caption_folder(t / "c", CAPTIONS), ["describe", "--data", "{t}/c", "--language-model", "{t}"],
     "not a language model folder"),
    (lambda t: write_caption_folder(t / "c", CAPTIONS), ["describe", "--data", "{t}/c", "--space", "{t}/no.json"],
     "prompt space file not found"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, make, argv, message):
    make(tmp_path)
    assert compose.main([a.format(t=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_n_below_one_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        compose.main(["describe", "--data", str(tmp_path), "--n", "0"])
    assert exit_info.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
