from dataclasses import dataclass

import pytest

from t2i_core.checkpoint import CheckpointError, config_from_dict


@dataclass
class Settings:
    width: int = 4
    sizes: tuple = (1, 2)
    name: str = "a"


def test_missing_keys_take_defaults_and_lists_become_tuples():
    assert config_from_dict(Settings, {"sizes": [3, 4]}) == Settings(sizes=(3, 4))
    assert config_from_dict(Settings, {}) == Settings()


def test_unknown_keys_are_named_with_the_accepted_ones():
    with pytest.raises(CheckpointError) as error:
        config_from_dict(Settings, {"width": 2, "depth": 3, "colour": 1}, source="ckpt/config.json")
    assert str(error.value) == ("ckpt/config.json has unknown Settings settings: ['colour', 'depth']; "
                                "accepted: width, sizes, name")


def test_settings_that_are_not_a_mapping_are_an_error():
    with pytest.raises(CheckpointError, match="expected a mapping"):
        config_from_dict(Settings, [1, 2])
