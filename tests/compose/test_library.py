import json

import numpy as np
import pytest

from t2i_core.compose.library import EMBEDDINGS_FILE, INDEX_FILE, LibraryError, MotionLibrary
from t2i_core.motion.features import FEATURE_DIM, features_from_positions, features_to_joints, recanonicalize
from t2i_core.motion.humanml3d import Caption, frames_at_our_fps, write_clip
from t2i_core.motion.raw import split_raw
from t2i_core.text.cache import TextFeatureCache
from t2i_core.text.registry import build_text_encoder
from tests.fixtures import build_folder
from tests.motion.test_humanml3d import person_at

PERSON_CAPTIONS = {
    "a": ("a person waves the left hand.", "a person turns around."),
    "b": ("a person kicks with the right foot.", "a person jumps up and down."),
    "c": ("a person sits down on a chair.", "a person walks backwards slowly."),
}


@pytest.fixture(scope="module")
def text_cache():
    return TextFeatureCache(build_text_encoder("minilm"))


@pytest.fixture(scope="module")
def interhuman(tmp_path_factory):
    root = tmp_path_factory.mktemp("interhuman")
    build_folder(root, {"train": ["a", "b", "c", "d", "long"], "test": ["short"]},
                 frames={"short": 10, "long": 340})
    for clip_id, texts in PERSON_CAPTIONS.items():
        for person, text in enumerate(texts, 1):
            (root / "annots_individual" / f"person{person}" / f"{clip_id}.txt").write_text(f"{text}\n{text}\n")
    for person in (1, 2):
        (root / "annots_individual" / f"person{person}" / "d.txt").unlink()  # no per-person captions
    return root


@pytest.fixture(scope="module")
def library(interhuman, text_cache, tmp_path_factory):
    return MotionLibrary.build(interhuman, text_cache=text_cache, cache_dir=tmp_path_factory.mktemp("cache"))


def test_interhuman_tracks_become_entries_with_their_own_captions(library):
    assert library.kind == "interhuman"
    ids = {e.id for e in library.entries}
    assert ids == {f"interhuman:{c}:p{p}" for c in ("a", "b", "c", "long") for p in (1, 2)}
    assert library.entry("interhuman:b:p2").captions == ("a person jumps up and down.",)  # duplicates merged
    reasons = dict(library.skipped)
    assert reasons["interhuman:d"] == "no per-person captions"
    assert "too short" in reasons["interhuman:short"]


def test_retrieval_finds_the_track_the_prompt_describes(library):
    (kick,), (sit,) = [library.retrieve(p, k=1) for p in ("someone kicks with one foot", "somebody sits on a seat")]
    assert kick.id == "interhuman:b:p1" and kick.caption == "a person kicks with the right foot."
    assert sit.id == "interhuman:c:p1"
    assert kick.features.dtype == np.float32 and kick.features.shape == (59, FEATURE_DIM) and kick.frames == 59
    ranked = library.search("someone kicks with one foot", k=3)[0]
    assert ranked[0][0].id == kick.id
    assert kick.similarity == pytest.approx(ranked[0][2]) and ranked[0][2] > ranked[1][2] >= ranked[2][2]


def test_a_track_is_the_person_alone_in_its_own_frame(library, interhuman):
    (jump,) = library.retrieve("a person jumps up and down", k=1)
    assert jump.id == "interhuman:b:p2"
    positions, rot6d = split_raw(np.load(interhuman / "motions_processed" / "person2" / "b.npy"))
    alone, _ = features_from_positions(positions[None], rot6d[None])
    assert np.abs(jump.features - alone[0]).max() < 1e-4
    assert np.allclose(features_to_joints(jump.features)[0, 0, [0, 2]], 0.0, atol=1e-5)


def test_seeded_choice_among_the_top_k_varies_and_repeats(library):
    prompts = ["a person moves"] * 12
    first = [m.id for m in library.retrieve(prompts, k=3, seed=7)]
    again = [m.id for m in library.retrieve(prompts, k=3, seed=7)]
    top3 = {e.id for e, _, _ in library.search("a person moves", k=3)[0]}
    assert first == again and set(first) <= top3 and len(set(first)) > 1
    assert [m.id for m in library.retrieve(["a person moves"], seed=[5])] == [
        m.id for m in library.retrieve(["a person moves"], seed=[5])]
    with pytest.raises(LibraryError, match="2 seeds for 12 prompts"):
        library.retrieve(prompts, seed=[1, 2])


def test_captions_shared_by_many_tracks_are_all_candidates(tmp_path, text_cache):
    build_folder(tmp_path / "data", {"train": ["p", "q", "r", "s"]})  # every person 1 "waves the left hand"
    library = MotionLibrary.build(tmp_path / "data", text_cache=text_cache, cache_dir=tmp_path / "cache")
    (best,) = library.search("a person waves the left hand.", k=1)
    assert sorted(e.id for e, _, _ in best) == [f"interhuman:{c}:p1" for c in "pqrs"]
    drawn = {m.id for m in library.retrieve(["a person waves the left hand."] * 16, k=1, seed=0)}
    assert len(drawn) > 1


def test_long_motions_are_cropped_to_a_seeded_window(library):
    assert library.entry("interhuman:long:p1").frames == 339
    crops = [m for m in library.retrieve(["a person waves the left hand."] * 20, k=8, seed=3, max_frames=300)
             if m.id == "interhuman:long:p1"]
    assert crops, "the long clip was never drawn"
    whole = library.features("interhuman:long:p1")
    for crop in crops:
        assert crop.frames == 300 and 0 <= crop.crop_start <= 39
        window = recanonicalize(whole[None, crop.crop_start:crop.crop_start + 300].astype(np.float64))[0]
        assert np.abs(crop.features - window).max() < 1e-4
    with pytest.raises(LibraryError, match="max_frames must be at least 15"):
        library.retrieve("a person waves", max_frames=10)


def test_saved_library_loads_and_retrieves_the_same(library, tmp_path, text_cache):
    library.save(tmp_path / "lib")
    loaded = MotionLibrary.load(tmp_path / "lib", text_cache=text_cache, cache_dir=library.cache_dir)
    assert loaded.entries == library.entries and loaded.skipped == library.skipped
    assert np.array_equal(loaded.embeddings, library.embeddings)
    a, b = (lib.retrieve(["a person turns", "a person walks"], k=2, seed=11) for lib in (library, loaded))
    assert [m.id for m in a] == [m.id for m in b]
    assert all(np.array_equal(x.features, y.features) for x, y in zip(a, b))
    index = json.loads((tmp_path / "lib" / INDEX_FILE).read_text())
    assert index["kind"] == "interhuman" and len(index["entries"]) == len(library)
    blob = tmp_path / "lib" / EMBEDDINGS_FILE
    blob.write_bytes(blob.read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(LibraryError, match="checksum differs"):
        MotionLibrary.load(tmp_path / "lib")
    with pytest.raises(LibraryError, match="not a saved motion library"):
        MotionLibrary.load(tmp_path / "nothing")


def test_humanml3d_folder_through_the_converter(tmp_path, text_cache):
    root = tmp_path / "hml"
    walk = person_at(np.arange(61) / 20)
    write_clip(root, "000001", walk, ["a person walks in a curve.", "someone strolls around."], fps=20)
    write_clip(root, "000002", person_at(np.arange(41) / 20, seed=2, turn=0.0),
               [Caption("a person steps forward.", "", 0.0, 0.0), Caption("a person stops.", "", 0.5, 1.5),
                Caption("a person nods.", "", 1.0, 1.2)], fps=20)
    library = MotionLibrary.build(root, text_cache=text_cache)
    assert library.kind == "humanml3d"
    assert {e.id for e in library.entries} == {"humanml3d:000001", "humanml3d:000002", "humanml3d:000002:0.5-1.5"}
    assert "too short" in dict(library.skipped)["humanml3d:000002:1-1.2"]
    (walked,) = library.retrieve("someone walking along a curved path", k=1)
    assert walked.id == "humanml3d:000001" and walked.features.shape == (frames_at_our_fps(60), FEATURE_DIM)
    (stop,) = library.retrieve("a person comes to a stop", k=1)
    assert stop.id == "humanml3d:000002:0.5-1.5" and stop.frames == frames_at_our_fps(20)


def test_bad_input_says_what_is_accepted(tmp_path, text_cache, library):
    with pytest.raises(LibraryError, match="not found"):
        MotionLibrary.build(tmp_path / "missing", text_cache=text_cache)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LibraryError, match="neither an InterHuman-layout folder"):
        MotionLibrary.build(tmp_path / "empty", text_cache=text_cache)
    with pytest.raises(LibraryError, match="accepted: auto, interhuman, humanml3d"):
        MotionLibrary.build(tmp_path / "empty", kind="bvh", text_cache=text_cache)
    bare = tmp_path / "bare"
    build_folder(bare, {"train": ["x"]})
    for person in (1, 2):
        (bare / "annots_individual" / f"person{person}" / "x.txt").unlink()
        (bare / "annots_individual" / f"person{person}").rmdir()
    with pytest.raises(LibraryError, match="no per-person captions"):
        MotionLibrary.build(bare, text_cache=text_cache, cache_dir=tmp_path / "cache")
    with pytest.raises(LibraryError, match="k must be"):
        library.retrieve("a person waves", k=0)
    with pytest.raises(LibraryError, match="non-empty strings"):
        library.retrieve(["  "])
    with pytest.raises(LibraryError, match="no entry"):
        library.features("interhuman:zzz:p1")


def test_the_cached_library_is_built_once_and_serves_the_run(tmp_path, real_folder):
    from t2i_core.compose.library import LIBRARY_CACHE_DIR, LibraryPerson1, cached_library

    library = cached_library(real_folder, ("train",), tmp_path)
    saved = list((tmp_path / LIBRARY_CACHE_DIR).glob("*/library.json"))
    assert len(saved) == 1
    again = cached_library(real_folder, ("train",), tmp_path)
    assert [e.id for e in again.entries] == [e.id for e in library.entries]
    person1 = LibraryPerson1(again, max_frames=40)
    made = person1.make(["a person waves", "someone walks"], [30, 30], [1, 2])
    assert all(f.shape[0] <= 40 and f.shape[1] == 262 and s.startswith("retrieved:interhuman:") for f, s in made)
    assert [s for _, s in person1.make(["a person waves"], [30], [1])] == [made[0][1]]
