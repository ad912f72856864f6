"""The single-person corpus builder: HumanML3D layout read back by the project's readers,
determinism across workers, both sources present, and bad requests refused with nothing written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from t2i_core.compose.library import MotionLibrary
from t2i_core.data.procedural.solo import SOLO_ACTIONS
from t2i_core.motion.features import FEATURE_DIM
from t2i_core.motion.humanml3d import HumanML3DLayout, features_from_humanml3d
from t2i_core.text.cache import TextFeatureCache
from t2i_core.text.registry import build_text_encoder
from training import build_solo as build_solo_module
from training.build_solo import SoloBuildError, build, main

SEED, CLIPS = 2, 60


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("solo") / "corpus"
    build(root, clips=CLIPS, seed=SEED, workers=1, progress=False)
    return root


def test_layout_reads_back_through_the_humanml3d_reader(corpus):
    layout = HumanML3DLayout.open(corpus)
    ids = {name: layout.clip_ids((name,)) for name in ("train", "val", "test")}
    assert all(ids.values())
    every = sorted(i for v in ids.values() for i in v)
    assert every == [f"{i:06d}" for i in range(CLIPS)] == layout.clip_ids()
    for clip_id in every[:12]:
        vectors = layout.vectors(clip_id)
        joints = layout.positions(clip_id)
        assert vectors.shape[1] == 263 and joints.shape == (vectors.shape[0], 22, 3)
        assert 40 <= layout.frames(clip_id) <= 196       # 2 to 9.8 s at 20 fps
        captions = layout.captions(clip_id)
        assert len(captions) >= 3 and all(c.text and c.tokens and c.whole_clip for c in captions)
        assert features_from_humanml3d(joints).shape[1] == FEATURE_DIM
    mean, std = np.load(corpus / "Mean.npy"), np.load(corpus / "Std.npy")
    assert mean.shape == std.shape == (263,) and np.isfinite(mean).all() and (std > 0).all()


def test_both_sources_and_many_actions(corpus):
    manifest = json.loads((corpus / "solo_manifest.json").read_text())
    records = manifest["records"]
    assert {r["source"] for r in records} == {"solo", "phase"}
    kinds = {a["kind"] for r in records if r["source"] == "solo" for a in r["actions"]}
    assert kinds <= set(SOLO_ACTIONS) and len(kinds) >= 15
    phase = next(r for r in records if r["source"] == "phase")
    assert phase["captions"][0].startswith("A person") and phase["actions"][0]["role"] in ("initiator", "responder")


def test_the_motion_library_indexes_it(corpus):
    library = MotionLibrary.build(corpus, splits=("val",), text_cache=TextFeatureCache(build_text_encoder("minilm")))
    assert library.kind == "humanml3d"
    assert len(library.entries) == len(HumanML3DLayout.open(corpus).clip_ids(("val",))) > 0


def test_same_bytes_whatever_the_workers(corpus, tmp_path):
    other = tmp_path / "two_workers"
    build(other, clips=CLIPS, seed=SEED, workers=2, progress=False)
    assert _digest(other) == _digest(corpus)


def test_too_few_clips_or_occupied_folder_is_refused_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "small"
    with pytest.raises(SoloBuildError, match="split.*empty.*accepted"):
        build(out, clips=4, seed=0, progress=False)
    assert not out.exists() and not list(tmp_path.iterdir())
    assert main(["--out", str(out), "--clips", "4"]) == 2
    assert "error:" in capsys.readouterr().err and not out.exists()
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    with pytest.raises(SoloBuildError, match="not empty"):
        build(occupied, clips=CLIPS, seed=0, progress=False)
    assert [p.name for p in occupied.iterdir()] == ["keep.txt"]


def test_an_interrupted_build_leaves_nothing(tmp_path, monkeypatch):
    real = build_solo_module.generate_solo_clip

    def failing(seed, index):
        if index == 30:
            raise RuntimeError("interrupted")
        return real(seed, index)

    monkeypatch.setattr(build_solo_module, "generate_solo_clip", failing)
    with pytest.raises(RuntimeError):
        build(tmp_path / "out", clips=CLIPS, seed=0, workers=1, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_list_actions(capsys):
    assert main(["--list-actions"]) == 0
    assert capsys.readouterr().out.split() == sorted(SOLO_ACTIONS)


def test_report_prints_the_figures(corpus, capsys):
    assert main(["--report", str(corpus), "--limit", "20"]) == 0
    out = capsys.readouterr().out
    assert f"{CLIPS} clips" in out and f"{len(SOLO_ACTIONS)} solo" in out and "bone mm" in out
    assert main(["--report", str(corpus.parent)]) == 2
