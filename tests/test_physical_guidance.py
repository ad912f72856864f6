import numpy as np
import pytest
import torch

from t2i_core.metrics import floor_penetration, inter_person_penetration
from t2i_core.motion.features import CONTACTS, POSITIONS, VELOCITIES, process_pair
from t2i_core.physical_guidance import PhysicalGuidance, PhysicalGuidanceConfig, physical_energy
from tests.fixtures import random_raw_pair


@pytest.fixture(scope="module")
def pair():
    features = process_pair(*random_raw_pair(1, 41))[0]  # (2, 40, 262), a physically clean pair
    return torch.tensor(features, dtype=torch.float32)


def joints_of(features: torch.Tensor) -> np.ndarray:
    return features[..., POSITIONS].unflatten(-1, (22, 3)).numpy()


def guide(features, t=0, **config):
    mean, std = torch.zeros(262), torch.ones(262)
    mask = torch.ones(1, features.shape[-2], dtype=torch.bool)
    return PhysicalGuidance(mean, std, mask, PhysicalGuidanceConfig(**config))(features[None], t, 0)[0]


def test_overlapping_persons_are_pushed_apart_rigidly(pair):
    inside = pair.clone()
    offset = inside[1, :, 0:3] - inside[0, :, 0:3]  # move person 2's pelvis onto person 1's
    inside[1, :, POSITIONS] -= offset.repeat(1, 22) - torch.tensor([0.05, 0.0, 0.0]).repeat(22)
    before = inter_person_penetration(joints_of(inside))
    assert before > 0.1
    after_features = guide(inside, iterations=30)
    after = inter_person_penetration(joints_of(after_features))
    assert after < 0.3 * before
    bones_before = np.linalg.norm(np.diff(joints_of(inside), axis=-2), axis=-1)
    bones_after = np.linalg.norm(np.diff(joints_of(after_features), axis=-2), axis=-1)
    assert np.allclose(bones_before, bones_after, atol=1e-5)  # each person moved as a whole
    assert torch.equal(after_features[..., 132:258], inside[..., 132:258])  # rotations untouched


def test_floor_and_planted_feet_are_corrected_and_velocities_follow(pair):
    sunk = pair.clone()
    sunk[..., 1:66:3] -= 0.1  # every joint's y: both persons 10 cm under the floor
    assert floor_penetration(joints_of(sunk)) > 0.05
    fixed = guide(sunk, iterations=20, penetration=0.0, foot_slide=0.0)
    assert floor_penetration(joints_of(fixed)) < 0.01
    positions = fixed[..., POSITIONS].unflatten(-1, (22, 3))
    velocities = fixed[..., VELOCITIES].unflatten(-1, (22, 3))
    original = (pair[..., VELOCITIES].unflatten(-1, (22, 3))[:, :-1]
                - pair[..., POSITIONS].unflatten(-1, (22, 3)).diff(dim=1))
    consistency = (velocities[:, :-1] - positions.diff(dim=1)) - original
    assert consistency.abs().max() < 1e-5  # the positions' move is carried into the velocities

    # a person standing still whose whole body drifts 1 cm per frame while the feet are said to be planted
    sliding = pair.clone()
    sliding[:, :, POSITIONS] = pair[:, :1, POSITIONS] + (torch.arange(40.0)[:, None] * 0.01) * torch.tensor(
        [1.0, 0.0, 0.0]).repeat(22)
    sliding[1, :, POSITIONS] += torch.tensor([3.0, 0.0, 0.0]).repeat(22)  # the partner far away
    sliding[..., CONTACTS] = 1.0
    energy = physical_energy(torch.from_numpy(joints_of(sliding))[None], sliding[..., CONTACTS][None],
                             torch.ones(1, 40, dtype=torch.bool), PhysicalGuidanceConfig())
    assert set(energy) == {"floor", "foot_slide", "penetration"} and energy["foot_slide"] > 0
    slid = guide(sliding, iterations=20, penetration=0.0, floor=0.0)
    after = physical_energy(torch.from_numpy(joints_of(slid))[None], slid[..., CONTACTS][None],
                            torch.ones(1, 40, dtype=torch.bool), PhysicalGuidanceConfig())
    # gradient steps are local: a drift accumulated over 40 frames is undone from both ends inward
    assert after["foot_slide"] < 0.9 * energy["foot_slide"]
    feet = [7, 8, 10, 11]
    step_before = np.abs(np.diff(joints_of(sliding)[:, :, feet][..., [0, 2]], axis=1)).mean()
    step_after = np.abs(np.diff(joints_of(slid)[:, :, feet][..., [0, 2]], axis=1)).mean()
    assert step_after < step_before


def test_early_steps_and_clean_motion_are_left_alone(pair):
    assert torch.equal(guide(pair, t=900), pair)  # above t_max: untouched
    lifted = pair.clone()
    lifted[1, :, POSITIONS] += torch.tensor([3.0, 0.2, 0.0]).repeat(22)  # apart and above the floor
    lifted[..., CONTACTS] = 0.0
    assert torch.allclose(guide(lifted), lifted, atol=1e-6)


def test_bad_config_is_a_clear_error():
    with pytest.raises(ValueError, match="iterations"):
        PhysicalGuidanceConfig(iterations=0)
    with pytest.raises(ValueError, match="floor"):
        PhysicalGuidanceConfig(floor=-1)
