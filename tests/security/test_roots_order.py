"""A link inside a data folder answers the same whether its target outside the roots exists or not:
the root is checked before the file is looked at (split files, ignore lists, captions; issue 21)."""

from __future__ import annotations

import pytest

from t2i_core.data.browse import clip_ids, load_clip_features
from t2i_core.roots import REFUSED, DataRoot, DataRoots, OutsideRootsError
from tests.fixtures import build_folder


def _answer(call) -> str:
    try:
        call()
    except (ValueError, OSError) as error:  # OutsideRootsError, DataFolderError, ClipError
        return f"{type(error).__name__}: {error}"
    return "accepted"


@pytest.fixture
def setup(tmp_path):
    root = tmp_path / "root"
    folder = build_folder(root / "set", {"train": ["c0"], "test": ["c1"]})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "exists.txt").write_text("c0\n")
    return DataRoots([DataRoot("data", root)]), folder, outside


@pytest.mark.parametrize("where", ["split/val.txt", "val.txt", "split/ignore_list.txt"])
def test_a_split_file_linked_out_answers_the_same_for_an_existing_and_a_missing_target(setup, where):
    roots, folder, outside = setup
    answers = []
    for target in (outside / "exists.txt", outside / "missing.txt"):
        link = folder / where
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        answers.append(_answer(lambda: clip_ids(roots, "data/set", "train" if "ignore" in where else "val")))
        link.unlink()
    assert answers[0] == answers[1] == f"OutsideRootsError: {REFUSED}"


def test_a_caption_linked_out_answers_the_same_for_an_existing_and_a_missing_target(setup):
    roots, folder, outside = setup
    caption = folder / "annots" / "c0.txt"
    answers = []
    for target in (outside / "exists.txt", outside / "missing.txt"):
        caption.unlink(missing_ok=True)
        caption.symlink_to(target)
        answers.append(_answer(lambda: load_clip_features(roots, "data/set", "c0", cache_dir=folder.parent / "c")))
    assert answers[0] == answers[1] == f"OutsideRootsError: {REFUSED}"


def test_a_missing_split_file_inside_the_roots_is_still_said_plainly(setup):
    roots, _, _ = setup
    assert "has no split file for 'val'" in _answer(lambda: clip_ids(roots, "data/set", "val"))
    with pytest.raises(OutsideRootsError):
        roots.resolve("data/../root/set")
