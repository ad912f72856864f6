import json

import numpy as np
import pytest

from t2i_core.render.bvh import read_bvh
from t2i_core.render.export import export_sample, file_stem, reproduction_settings


def test_export_writes_npz_bvhs_and_settings(tmp_path):
    rng = np.random.default_rng(0)
    joints = rng.normal(0, 0.3, (2, 20, 22, 3)) + np.array([0.0, 1.0, 0.0])
    features = rng.normal(0, 1, (2, 20, 262))
    settings = reproduction_settings({"prompt": "p", "seeds": [4, 5], "steps": 5, "frames": 20}, 5, "/ckpt")
    assert settings["seed"] == 5 and "seeds" not in settings and settings["checkpoint"] == "/ckpt"
    command = "python -m t2i_core.generate p --seed 5 --steps 5 --checkpoint /ckpt --out p_seed5.npz"
    assert settings["command"] == command
    for physics, flag in (({"iterations": 4}, "--physics"), (None, "--no-physics")):
        command = reproduction_settings({"prompt": "p", "seeds": [5], "physics": physics}, 5)["command"]
        assert command == f"python -m t2i_core.generate p --seed 5 {flag} --out p_seed5.npz"
    files = export_sample(tmp_path / "out", joints, features, "Two people hug!", 5, settings)
    assert [p.name for p in files.all()] == ["two_people_hug_seed5.npz", "two_people_hug_seed5_person1.bvh",
                                             "two_people_hug_seed5_person2.bvh", "two_people_hug_seed5_settings.json"]
    with np.load(files.npz, allow_pickle=False) as data:
        assert data["joints"].shape == (2, 20, 22, 3) and data["joints"].dtype == np.float32
        assert data["features"].shape == (2, 20, 262)
        assert str(data["prompt"]) == "Two people hug!" == str(data["text"])
        assert int(data["fps"]) == 30 and int(data["seed"]) == 5
        assert json.loads(str(data["settings"])) == settings
    assert json.loads(files.settings.read_text()) == settings
    assert all(read_bvh(p).frames == 20 for p in files.bvh)
    assert not list((tmp_path / "out").glob("*.tmp"))  # atomic writes leave nothing behind


def test_file_stem_is_safe():
    assert file_stem("../../etc/passwd; rm -rf /", 1) == "etc_passwd_rm_rf_seed1"
    assert file_stem("🤝🤝", 2) == "motion_seed2"


def test_mismatched_features_are_refused(tmp_path):
    with pytest.raises(ValueError, match="disagree"):
        export_sample(tmp_path, np.zeros((2, 5, 22, 3)), np.zeros((2, 6, 262)), "p", 0, {})
