import json

import pytest

from t2i_core.compose.space import (
    NoCaptionsError,
    PromptSpace,
    combination_key,
    format_agreement,
    format_space,
    label_caption,
    manifest_agreement,
    mine_space,
)
from t2i_core.data.layout import DataFolderError
from tests.fixtures import CAPTIONS, build_folder, write_caption_folder


@pytest.mark.parametrize("caption, theme, tags", [
    ("Two people hug each other gently.", "affection", ("gentle", "synchronous", "contact")),
    ("One person quickly punches the other in the face with the right fist.", "conflict", ("fast", "right", "contact")),
    ("A person walks toward the other and then waves with the left hand.", "greeting", ("left", "sequential")),
    ("The first person slowly walks up to the second person.", "locomotion", ("slow",)),
    ("Both people dance together.", "dance", ("synchronous",)),
    ("one person waves, and the other person waves back.", "greeting", ("reciprocal",)),
    ("One person helps the other person get up from the floor.", "help", ()),
    ("two people play tug of war with a rope.", "sport", ("synchronous",)),
    ("One person points to the left and the other looks there.", "communication", ("left",)),
    ("A cat sleeps on the sofa.", "other", ()),
])
def test_known_captions_get_their_labels(caption, theme, tags):
    assert label_caption(caption) == (theme, tags)


def test_mining_counts_examples_and_uncovered_words(tmp_path):
    root = write_caption_folder(tmp_path / "d", {
        "a": ["one person hugs the other.", "two people embrace.", "a person hugs the partner quickly."],
        "b": ["one person pushes the other person hard.", "the first person juggles near the second person."],
    })
    space = mine_space(root)
    assert (space.clips, space.captions) == (2, 5)
    assert space.theme_counts["affection"] == 3 and space.theme_counts["conflict"] == 1
    assert space.theme_counts["other"] == 1
    assert space.cooccurrence["affection"] == {"contact": 3, "fast": 1, "synchronous": 1}
    assert space.cooccurrence["conflict"] == {"intense": 1, "contact": 1}
    assert space.combinations[combination_key("affection", ["contact"])] == 1
    assert space.has_combination("affection", ("fast", "contact"))
    assert not space.has_combination("affection", ("slow",))
    assert "two people embrace." in space.examples["affection"]
    assert ("juggle", 1) in space.unthemed_words and ("juggle", 1) in space.uncovered_words
    assert space.themes()[0] == "affection"
    text = format_space(space)
    assert "affection" in text and "juggle" in text


def test_space_json_round_trip(tmp_path):
    root = write_caption_folder(tmp_path / "d", {"a": list(CAPTIONS)})
    space = mine_space(root)
    path = space.save(tmp_path / "out" / "space.json")
    assert PromptSpace.load(path) == space
    assert not list(path.parent.glob(".*tmp"))  # written through a temporary name
    data = json.loads(path.read_text())
    assert data["solo_action_counts"]["squat"] == 0 and len(data["solo_action_counts"]) >= 30
    older = {k: v for k, v in data.items() if k != "solo_action_counts"}  # saved before solo actions were counted
    assert PromptSpace.from_json(older).solo_action_counts is None
    data["format"] = 99
    with pytest.raises(ValueError, match="format 99"):
        PromptSpace.from_json(data)


def test_split_files_and_ignore_list_choose_the_clips(tmp_path):
    root = build_folder(tmp_path / "d", {"train": ["a", "b"], "test": ["c"]}, ignore=["b"])
    space = mine_space(root)
    assert (space.clips, space.captions) == (2, 6)


def test_bad_folders(tmp_path):
    with pytest.raises(DataFolderError, match="not found"):
        mine_space(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFolderError, match="no annots folder"):
        mine_space(tmp_path / "empty")
    (tmp_path / "empty" / "annots").mkdir()
    (tmp_path / "empty" / "annots" / "x.txt").write_text("\n\n")
    with pytest.raises(NoCaptionsError, match="no captions"):
        mine_space(tmp_path / "empty")


def _phase(kind, initiator=1, side=None, speed="normal", **options):
    return {"kind": kind, "initiator": initiator, "side": side, "speed": speed, "options": options,
            "start": 0, "end": 10}


def test_agreement_with_a_manifest(tmp_path):
    records = [
        {"id": "0", "group": 0, "contrast": "side", "phases": [_phase("wave", side="left")]},
        {"id": "1", "group": 0, "contrast": "side", "phases": [_phase("wave", side="right")]},
        {"id": "2", "group": 1, "contrast": None,
         "phases": [_phase("approach", speed="quickly"), _phase("hug", initiator=2)]},
        {"id": "3", "group": 2, "contrast": None, "phases": [_phase("push")]},
    ]
    root = write_caption_folder(tmp_path / "d", {
        "0": ["one person waves at the other with the left hand."],
        "1": ["one person waves at the other with the right hand."],
        "2": ["one person quickly walks toward the other, then the other person hugs the first person."],
        "3": ["one person bows to the other."],  # a wrong caption: the manifest says push
    }, records=records)
    report = manifest_agreement(root)
    assert (report.clips, report.captions) == (4, 4)
    assert report.theme_overall == pytest.approx(3 / 4)
    assert report.theme_per_theme["conflict"] == {"captions": 1, "agreement": 0.0}
    assert report.theme_per_theme["affection"]["agreement"] == 1.0
    assert report.confusions == [("conflict", "greeting", 1)]
    assert report.tags["sequential"].accuracy == 1.0 and report.tags["fast"].recall == 1.0
    assert report.tags["contact"].recall == pytest.approx(1 / 2)  # the push caption names no contact
    assert report.side_recall == 1.0
    assert report.twins["side"] == {"pairs": 1, "told_apart": 1.0}
    assert "theme  75.0%" in format_agreement(report)
    assert manifest_agreement(write_caption_folder(tmp_path / "plain", {"a": ["x"]})) is None
