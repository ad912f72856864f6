import json
from pathlib import Path

import numpy as np
import pytest

from t2i_core.pipeline import DEFAULT_PHYSICS, Text2InteractPipeline
from t2i_core.study.config import load_study_config, study_config_from_dict
from t2i_core.study.prepare import manifest_dict, plan_clips, prepare_study
from t2i_core.study.prepared import MANIFEST, PreparedStudy, StudyFolderError, read_clip

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "assets" / "interactor"
DEMO = REPO / "assets" / "study_demo"


def tiny_config(steps_b=2, physics_a=DEFAULT_PHYSICS):
    return study_config_from_dict({
        "name": "tiny", "prompts": ["two people shake hands.", "one person waves, the other waves back."],
        "seeds": [3], "seconds": 1, "gold_rate": 0.25,
        "systems": [{"name": "g1", "checkpoint": str(SHIPPED), "guidance_scale": 1.0, "steps": 2,
                     "physics": physics_a},
                    {"name": "g3", "checkpoint": str(SHIPPED), "guidance_scale": 3.5, "steps": steps_b}]},
        REPO)


def test_prepare_writes_every_clip_then_resumes_without_writing_or_loading(tmp_path, monkeypatch):
    out = tmp_path / "study"
    first = prepare_study(tiny_config(), out, progress=False)
    assert sorted(first.written) == ["g1-p00-s3.npz", "g1-p01-s3.npz", "g3-p00-s3.npz", "g3-p01-s3.npz"]
    study = PreparedStudy.load(out)
    assert study.systems == ("g1", "g3") and len(study.trials) == 3  # 2 pairs + 1 gold
    trial = study.trials[0]
    joints = study.joints(trial.a, trial)
    assert joints.shape == (2, 30, 22, 3) and np.isfinite(joints).all()
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "clips").iterdir()}

    def refuse(*args, **kwargs):
        raise AssertionError("a second run must not load a model")

    monkeypatch.setattr(Text2InteractPipeline, "from_pretrained", refuse)
    second = prepare_study(tiny_config(), out, progress=False)
    assert second.written == [] and len(second.kept) == 4
    assert {p.name: p.stat().st_mtime_ns for p in (out / "clips").iterdir()} == stamps
    assert not list(out.rglob("*.tmp"))


def test_changed_settings_make_only_that_systems_clips_again(tmp_path):
    out = tmp_path / "study"
    prepare_study(tiny_config(), out, progress=False)
    todo, kept = plan_clips(tiny_config(steps_b=3), out.resolve())
    assert sorted(job.name for job in todo) == ["g3-p00-s3.npz", "g3-p01-s3.npz"]
    assert sorted(kept) == ["g1-p00-s3.npz", "g1-p01-s3.npz"]
    (out / "clips" / "g1-p00-s3.npz").write_bytes(b"damaged")  # a damaged clip is made again
    assert "g1-p00-s3.npz" in {job.name for job in plan_clips(tiny_config(), out.resolve())[0]}


def test_the_shipped_demo_study_is_complete_and_matches_its_config():
    config = load_study_config(DEMO / "study_config.json")
    todo, kept = plan_clips(config, DEMO)
    assert todo == [] and len(kept) == len(config.systems) * len(config.prompts) * len(config.seeds)
    assert json.loads((DEMO / MANIFEST).read_text()) == json.loads(json.dumps(manifest_dict(config, DEMO)))
    study = PreparedStudy.load(DEMO)
    assert sum(t.gold for t in study.trials) >= 1
    size = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert size < 2_000_000


def test_the_demo_study_is_made_as_the_app_makes_motion_and_nobody_stands_inside_the_other():
    # made with the app's default physical guidance; without it the guidance-3.5 clips had the two pelvises
    # 0.005-0.05 m apart
    study = PreparedStudy.load(DEMO)
    for trial in (t for t in study.trials if not t.gold):
        for label in (trial.a, trial.b):
            joints = study.joints(label, trial)
            gap = np.linalg.norm(joints[0, :, 0] - joints[1, :, 0], axis=-1)
            assert gap.min() > 0.2, (label, trial.prompt, gap.min())
    for path in (DEMO / "clips").glob("*.npz"):
        assert read_clip(path)[1]["physics"] is DEFAULT_PHYSICS


def test_physical_guidance_is_part_of_a_systems_settings(tmp_path):
    out = tmp_path / "study"
    prepare_study(tiny_config(), out, progress=False)
    todo, kept = plan_clips(tiny_config(physics_a=not DEFAULT_PHYSICS), out.resolve())
    assert sorted(job.name for job in todo) == ["g1-p00-s3.npz", "g1-p01-s3.npz"]
    assert sorted(kept) == ["g3-p00-s3.npz", "g3-p01-s3.npz"]


def test_a_folder_without_a_prepared_study_is_explained(tmp_path):
    with pytest.raises(StudyFolderError, match="not a prepared study.*training.study prepare"):
        PreparedStudy.load(tmp_path)
    (tmp_path / MANIFEST).write_text("{")
    with pytest.raises(StudyFolderError, match="damaged"):
        PreparedStudy.load(tmp_path)
