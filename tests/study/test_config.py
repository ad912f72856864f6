import json

import pytest

from t2i_core.pipeline import DEFAULT_PHYSICS
from t2i_core.study.config import StudyConfigError, load_study_config


def write(tmp_path, **overrides):
    values = {"name": "s1", "prompts": ["two people shake hands."], "seeds": [0],
              "systems": [{"name": "a", "checkpoint": "ckpt", "guidance_scale": 1.0},
                          {"name": "b", "checkpoint": "ckpt", "guidance_scale": 3.5, "steps": 10}]}
    values.update(overrides)
    path = tmp_path / "study.json"
    path.write_text(json.dumps(values))
    return path


@pytest.fixture
def checkpoint(tmp_path):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"")
    (folder / "config.json").write_text(json.dumps({"kind": "interactor", "config": {}}))
    return folder


def test_a_valid_config_resolves_checkpoints_next_to_the_file(tmp_path, checkpoint):
    config = load_study_config(write(tmp_path))
    assert [s.name for s in config.systems] == ["a", "b"]
    assert config.systems[0].checkpoint == checkpoint.resolve()
    assert config.systems[1].steps == 10 and config.systems[0].guidance_scale == 1.0
    assert config.systems[0].physics is DEFAULT_PHYSICS  # a study rates what the app makes by default
    assert config.prompts == ("two people shake hands.",) and config.seeds == (0,)


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"prompts": []}, "prompts must be a non-empty list"),
    ({"prompts": ["ok", "  "]}, r"prompts\[1\] must be a non-empty sentence"),
    ({"colour": "red"}, "unknown key colour; accepted keys are name, prompts, systems"),
    ({"systems": [{"name": "a", "checkpoint": "ckpt", "cfg": 2}, {"name": "b", "checkpoint": "ckpt"}]},
     r"systems\[0\]: unknown key cfg"),
    ({"systems": [{"name": "a", "checkpoint": "ckpt"}]}, "at least two systems"),
    ({"systems": [{"name": "a", "checkpoint": "ckpt"}, {"name": "a", "checkpoint": "ckpt"}]}, "must be unique"),
    ({"systems": [{"name": "a", "checkpoint": "ckpt"}, {"name": "b", "checkpoint": "missing"}]},
     "system 'b': the checkpoint cannot be used: .*missing is not a checkpoint folder"),
    ({"systems": [{"name": "a", "checkpoint": "ckpt"}, {"name": "b", "checkpoint": "ckpt", "steps": 0}]},
     "steps must be between 1 and 1000"),
    ({"systems": [{"name": "a", "checkpoint": "ckpt", "physics": "yes"}, {"name": "b", "checkpoint": "ckpt"}]},
     "system 'a': physics must be true or false"),
    ({"seeds": []}, "seeds must be a non-empty list"),
    ({"seconds": 30}, "seconds must be between 1 and 10"),
    ({"gold_rate": 0.9}, "gold_rate must be between 0 and 0.5"),
])
def test_bad_configs_say_what_is_wrong(tmp_path, checkpoint, overrides, expected):
    with pytest.raises(StudyConfigError, match=expected):
        load_study_config(write(tmp_path, **overrides))


def test_a_missing_or_broken_file_is_reported(tmp_path):
    with pytest.raises(StudyConfigError, match="no study config file"):
        load_study_config(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(StudyConfigError, match="not valid JSON"):
        load_study_config(tmp_path / "bad.json")
