import math

import numpy as np
import pytest
import torch

from t2i_core.losses import (
    TERMS,
    InteractionLoss,
    LossConfig,
    adaptive_distance_loss,
    adaptive_interaction_loss,
    adaptive_interaction_weights,
    distance_map_loss,
    interperson_distances,
    joint_affinity_loss,
    masked_mean,
    relative_orientation,
    relative_orientation_loss,
)
from t2i_core.motion.features import CONTACTS, FEATURE_DIM, POSITIONS, process_pair
from t2i_core.skeleton import FOOT_CONTACT_JOINTS, JOINT_INDEX, PARENTS, REST_OFFSETS
from tests.fixtures import random_raw_pair

FRAMES = 40
LENGTHS = (40, 30, 25)
COMPARISONS = ("simple", "vel", "bl", "ro", "dm", "ail")  # terms that compare pred with target


@pytest.fixture(scope="module")
def data():
    """Three processed pairs (un-normalised, float64), their frame mask and normalisation stats."""
    features = np.stack([process_pair(*random_raw_pair(seed, FRAMES + 1))[0] for seed in (0, 2, 4)])
    x = torch.tensor(features)
    mask = torch.arange(FRAMES)[None] < torch.tensor(LENGTHS)[:, None]
    mean, std = x.reshape(-1, FEATURE_DIM).mean(0), x.reshape(-1, FEATURE_DIM).std(0).clamp_min(0.05)
    return x, mask, mean, std


def rest_pose():
    """The T-pose (22, 3), pelvis 0.93 m above the floor, facing +Z."""
    pose = torch.zeros(22, 3, dtype=torch.float64)
    pose[0, 1] = 0.93
    for joint in range(1, 22):
        pose[joint] = pose[PARENTS[joint]] + torch.tensor(REST_OFFSETS[joint])
    return pose


def make_loss(data, **overrides):
    _, _, mean, std = data
    return InteractionLoss(LossConfig(**overrides), mean, std).double()


def normalise(data, x):
    _, _, mean, std = data
    return (x - mean) / std


def joints(x):
    return x[..., POSITIONS].unflatten(-1, (22, 3))


def with_joints(x, new_joints):
    x = x.clone()
    x[..., POSITIONS] = new_joints.flatten(-2)
    return x


def all_terms(data, pred, target, timesteps=None, **overrides):
    x, mask, _, _ = data
    timesteps = torch.zeros(len(x), dtype=torch.long) if timesteps is None else timesteps
    loss = make_loss(data, **overrides)
    return loss(normalise(data, pred), normalise(data, target), mask, timesteps)


# -- adaptive weights ------------------------------------------------------------------------
def test_adaptive_weights_on_a_crafted_pair():
    joints1 = torch.zeros(22, 3, dtype=torch.float64)
    joints2 = torch.zeros(22, 3, dtype=torch.float64)
    joints1[:, 0] = torch.arange(22, dtype=torch.float64) * 0.1  # person 1 on the x axis
    joints2[:, 2] = 0.4  # person 2 on the line z = 0.4
    joints2[:, 0] = torch.arange(22, dtype=torch.float64) * 0.1 + 0.3
    weights = adaptive_interaction_weights(joints1, joints2)
    assert weights.shape == (22, 22)
    # joint 0 of person 1 at the origin, joint 0 of person 2 at (0.3, 0, 0.4): a 3-4-5 triangle
    assert math.isclose(weights[0, 0].item(), 1 / (0.5 + 0.1))
    # joint 3 (x = 0.3) sits right below joint 0 of person 2: distance 0.4
    assert math.isclose(weights[3, 0].item(), 1 / (0.4 + 0.1))
    for i in range(22):
        for j in range(22):
            d = math.dist(joints1[i].tolist(), joints2[j].tolist())
            assert math.isclose(weights[i, j].item(), 1 / (d + 0.1), rel_tol=1e-12)
    assert math.isclose(adaptive_interaction_weights(joints1, joints2, eps=0.5)[0, 0].item(), 1.0)


def test_adaptive_weight_normalisations():
    generator = torch.Generator().manual_seed(0)
    joints1 = torch.rand(4, 7, 22, 3, generator=generator, dtype=torch.float64)
    joints2 = torch.rand(4, 7, 22, 3, generator=generator, dtype=torch.float64) + 0.5
    raw = adaptive_interaction_weights(joints1, joints2, normalization="none")
    mean = adaptive_interaction_weights(joints1, joints2, normalization="mean")
    total = adaptive_interaction_weights(joints1, joints2, normalization="sum")
    assert torch.allclose(raw, 1 / (interperson_distances(joints1, joints2) + 0.1))
    assert torch.allclose(mean.mean(dim=(-2, -1)), torch.ones(4, 7, dtype=torch.float64))
    assert torch.allclose(total.sum(dim=(-2, -1)), torch.ones(4, 7, dtype=torch.float64))
    assert torch.allclose(mean, total * 22 * 22)
    assert torch.allclose(mean, raw / raw.mean(dim=(-2, -1), keepdim=True))
    with pytest.raises(ValueError, match="normalization"):
        adaptive_interaction_weights(joints1, joints2, normalization="max")


def random_distance_map(seed, low, high):
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(1, 1, 22, 22, generator=generator, dtype=torch.float64)


def test_mean_normalised_ail_is_a_weighted_average_of_the_errors():
    # "mean": the same error everywhere costs that error whether the pair stands close or far; "none" does not
    mask = torch.ones(1, 1, dtype=torch.bool)
    near, far = random_distance_map(0, 0.05, 1.0), random_distance_map(1, 2.0, 4.0)

    def cost(target, normalization, error=0.05):
        return adaptive_distance_loss(target + error, target, mask, norm="l1", normalization=normalization).item()

    assert math.isclose(cost(near, "mean"), 0.05, rel_tol=1e-12)
    assert math.isclose(cost(far, "mean"), 0.05, rel_tol=1e-12)
    assert math.isclose(cost(near, "sum"), 0.05 / 484, rel_tol=1e-12)
    assert cost(near, "none") > 5 * cost(far, "none")
    # with unequal errors the "mean" loss stays between the smallest and the largest error
    errors = random_distance_map(2, 0.0, 0.2)
    loss = adaptive_distance_loss(near + errors, near, mask, norm="l1", normalization="mean").item()
    assert errors.min() < loss < errors.max()


@pytest.mark.parametrize("norm", ["l2", "l1"])
@pytest.mark.parametrize("normalization", ["mean", "sum", "none"])
def test_ail_weights_close_pairs_more(norm, normalization):
    # the same 5 cm error on the closest pair costs (d_far + eps) / (d_close + eps) times more
    target = random_distance_map(3, 0.05, 3.0)
    mask = torch.ones(1, 1, dtype=torch.bool)
    flat = target.flatten()
    close, far = int(flat.argmin()), int(flat.argmax())

    def cost(entry):
        pred = flat.clone()
        pred[entry] += 0.05
        return adaptive_distance_loss(pred.view_as(target), target, mask, norm=norm,
                                      normalization=normalization).item()

    ratio = (flat[far].item() + 0.1) / (flat[close].item() + 0.1)
    assert ratio > 10
    assert math.isclose(cost(close) / cost(far), ratio, rel_tol=1e-9)
    with pytest.raises(ValueError, match="norm"):
        adaptive_distance_loss(target, target, mask, norm="l3")


def test_ail_on_joints_uses_the_real_distances():
    pair = torch.rand(2, 2, 5, 22, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    pred = pair + 0.01 * torch.randn(pair.shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    mask = torch.ones(2, 5, dtype=torch.bool)
    d_pred, d_target = (interperson_distances(x[:, 0], x[:, 1]) for x in (pred, pair))
    expected = (adaptive_interaction_weights(pair[:, 0], pair[:, 1], normalization="mean")
                * (d_pred - d_target) ** 2).mean()
    assert math.isclose(adaptive_interaction_loss(pred, pair, mask).item(), expected.item(), rel_tol=1e-12)


# -- identity and perturbations -------------------------------------------------------------
def test_identical_pred_and_target(data):
    x, mask, _, _ = data
    for interaction in ("adaptive", "distance_map"):
        total, terms = all_terms(data, x, x, interaction=interaction)
        for name in COMPARISONS:
            if name in terms:
                assert abs(terms[name].item()) < 1e-12, name
        # JA and FC pull towards 0 rather than towards the target: at the target they equal the
        # data's own touching distance (none here: the pairs stand apart) and foot slide in contact
        assert terms["ja"].item() == 0.0
        feet = joints(x)[:, :, :, FOOT_CONTACT_JOINTS]
        slide = (feet[:, :, 1:] - feet[:, :, :-1]) ** 2
        contact = (x[:, :, :-1, CONTACTS] > 0.5) & (mask[:, 1:] & mask[:, :-1])[:, None, :, None]
        assert contact.any()
        expected = slide[contact].mean()
        assert math.isclose(terms["fc"].item(), expected.item(), rel_tol=1e-9)
        assert expected < 0.001  # contact means the foot moved less than sqrt(0.001) m per frame
        assert math.isclose(total.item(), 30 * terms["fc"].item(), rel_tol=1e-9)


def test_foot_contact_is_zero_for_planted_feet(data):
    x, *_ = data
    planted = joints(x).clone()
    planted[:, :, :, FOOT_CONTACT_JOINTS] = planted[:, :, :1, FOOT_CONTACT_JOINTS]  # feet never move
    pred = target = with_joints(x, planted)
    target = target.clone()
    target[..., CONTACTS] = 1.0
    assert all_terms(data, pred, target)[1]["fc"].item() < 1e-20


def test_velocity_sees_a_jitter(data):
    x, *_ = data
    moved = joints(x).clone()
    moved[:, :, 10] += 0.05
    terms = all_terms(data, with_joints(x, moved), x)[1]
    assert terms["vel"] > 1e-4
    assert terms["bl"] < 1e-12  # a rigid shift of a whole frame keeps the bones


def test_bone_length_sees_a_stretched_bone(data):
    x, *_ = data
    stretched = joints(x).clone()
    wrist, elbow = JOINT_INDEX["l_wrist"], JOINT_INDEX["l_elbow"]
    stretched[..., wrist, :] += 0.5 * (stretched[..., wrist, :] - stretched[..., elbow, :])  # a leaf bone
    terms = all_terms(data, with_joints(x, stretched), x)[1]
    assert terms["bl"] > 1e-4
    assert terms["vel"] > 0 and terms["simple"] > 0


def test_foot_contact_sees_a_sliding_foot(data):
    x, *_ = data
    target = x.clone()
    target[..., CONTACTS] = 0.0
    target[:, 0, :, CONTACTS.start] = 1.0  # person 1's left ankle is in contact all the time
    planted = joints(target).clone()
    planted[:, :, :, 7] = planted[:, :, :1, 7]
    target = with_joints(target, planted)
    assert all_terms(data, target, target)[1]["fc"].item() < 1e-20
    sliding = planted.clone()
    sliding[:, 0, :, 7, 0] += 0.02 * torch.arange(FRAMES)  # 2 cm per frame along x
    fc = all_terms(data, with_joints(target, sliding), target)[1]["fc"].item()
    assert math.isclose(fc, 0.02**2 / 3, rel_tol=1e-6)  # squared slide averaged over x, y, z


def yaw_about_pelvis(person_joints, angle):
    c, s = math.cos(angle), math.sin(angle)
    rotation = torch.tensor([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]], dtype=person_joints.dtype)
    pelvis = person_joints[..., :1, :]
    return (person_joints - pelvis) @ rotation.T + pelvis


def test_relative_orientation_sees_a_turned_person(data):
    x, *_ = data
    turned = joints(x).clone()
    turned[:, 1] = yaw_about_pelvis(turned[:, 1], math.radians(30))
    terms = all_terms(data, with_joints(x, turned), x)[1]
    # (w, y) = (cos, sin)(phi / 2): the MSE over both components is 1 - cos(dphi / 2)
    assert math.isclose(terms["ro"].item(), 1 - math.cos(math.radians(15)), rel_tol=1e-6)


def test_relative_orientation_closed_form():
    rest = rest_pose()  # facing +Z (left hip at +x)
    for angle in (0.0, 0.7, -2.0, math.pi - 1e-3):
        q = relative_orientation(rest, yaw_about_pelvis(rest, angle))
        assert torch.allclose(q, torch.tensor([math.cos(angle / 2), math.sin(angle / 2)], dtype=q.dtype))


def test_relative_orientation_is_continuous_face_to_face():
    # facing each other is phi = +-pi, where the half-angle quaternion flips sign
    rest = rest_pose()
    target = torch.stack([rest, yaw_about_pelvis(rest, math.pi - 0.01)])[None, :, None]
    pred = torch.stack([rest, yaw_about_pelvis(rest, -math.pi + 0.01)])[None, :, None]
    loss = relative_orientation_loss(pred, target, torch.ones(1, 1, dtype=torch.bool))
    assert math.isclose(loss.item(), 1 - math.cos(0.01), rel_tol=1e-6)


def touching_pair():
    """One frame: person 2 faces person 1 and their right wrists are 5 cm apart."""
    rest = rest_pose()
    person1 = rest.clone()
    person2 = yaw_about_pelvis(rest, math.pi)
    wrist = JOINT_INDEX["r_wrist"]
    person2 = person2 + (person1[wrist] - person2[wrist] + torch.tensor([0.0, 0.0, 0.05], dtype=torch.float64))
    return torch.stack([person1, person2])[None, :, None]  # (1, 2, 1, 22, 3)


def pair_features(pair_joints):
    x = torch.zeros(*pair_joints.shape[:3], FEATURE_DIM, dtype=torch.float64)
    return with_joints(x, pair_joints)


def single_frame_loss(pred_joints, target_joints, **overrides):
    loss = InteractionLoss(LossConfig(**overrides), torch.zeros(FEATURE_DIM), torch.ones(FEATURE_DIM)).double()
    mask, steps = torch.ones(1, 1, dtype=torch.bool), torch.zeros(1, dtype=torch.long)
    return loss(pair_features(pred_joints), pair_features(target_joints), mask, steps)[1]


def test_joint_affinity_sees_separated_hands():
    target = touching_pair()
    wrist = JOINT_INDEX["r_wrist"]
    assert math.isclose(single_frame_loss(target, target)["ja"].item(), 0.05**2, rel_tol=1e-9)
    apart = target.clone()
    apart[0, 1, 0, wrist, 2] += 0.3
    terms = single_frame_loss(apart, target)
    assert math.isclose(terms["ja"].item(), 0.35**2, rel_tol=1e-9)
    assert terms["ail"] > 0


def test_distance_map_sees_a_moved_person():
    target = touching_pair()
    moved = target.clone()
    moved[0, 1] += torch.tensor([0.0, 0.0, 0.2], dtype=torch.float64)
    terms = single_frame_loss(moved, target, interaction="distance_map")
    assert "ail" not in terms and terms["dm"] > 1e-3
    # only pairs predicted closer than 1 m count: moving person 2 10 m away leaves nothing to compare
    far = target.clone()
    far[0, 1] += torch.tensor([0.0, 0.0, 10.0], dtype=torch.float64)
    assert single_frame_loss(far, target, interaction="distance_map")["dm"].item() == 0.0


# -- timesteps, masks, switches, gradients ---------------------------------------------------
def perturbed(x):
    moved = joints(x).clone()
    moved[:, 1] = yaw_about_pelvis(moved[:, 1], 0.3)
    moved[..., JOINT_INDEX["l_wrist"], :] *= 1.1
    return with_joints(x, moved)


def test_noisy_samples_get_no_geometric_terms(data):
    x, mask, _, _ = data
    pred = perturbed(x)
    terms = all_terms(data, pred, x, timesteps=torch.full((3,), 701))[1]
    assert terms["simple"] > 0
    for name in ("vel", "bl", "fc", "ro", "ja", "ail"):
        assert terms[name].item() == 0.0, name
    terms = all_terms(data, pred, x, timesteps=torch.full((3,), 700))[1]
    assert all(terms[name] > 0 for name in ("vel", "bl", "ro", "ail"))
    # per sample: only sample 0 is at t <= 700, so the geometric terms are those of sample 0 alone
    mixed = all_terms(data, pred, x, timesteps=torch.tensor([5, 900, 999]))[1]
    everyone = all_terms(data, pred, x)[1]
    first_mask = mask.clone()
    first_mask[1:] = False
    loss = make_loss(data)
    alone = loss(normalise(data, pred), normalise(data, x), first_mask, torch.zeros(3, dtype=torch.long))[1]
    for name in ("vel", "bl", "ro", "ail"):
        assert torch.allclose(mixed[name], alone[name]), name
    for name in ("vel", "bl", "ail"):  # (the turn is the same in every frame: RO's mean is the same)
        assert not torch.allclose(mixed[name], everyone[name]), name


def test_zero_weights_remove_terms(data):
    x, *_ = data
    terms = all_terms(data, x, x)[1]
    assert set(terms) == {"simple", "vel", "bl", "fc", "ro", "ja", "ail"}
    assert set(all_terms(data, x, x, interaction="distance_map")[1]) == {"simple", "vel", "bl", "fc", "ro", "dm", "ja"}
    terms = all_terms(data, x, x, bl=0.0, ail=0, fc=0)[1]
    assert set(terms) == {"simple", "vel", "ro", "ja"}
    zero = dict.fromkeys(TERMS, 0.0)
    total, terms = all_terms(data, x, x, **zero)
    assert terms == {} and total.item() == 0.0


def test_total_is_the_weighted_sum(data):
    x, *_ = data
    config = LossConfig(ro=2.0, adaptive_norm="l1", adaptive_normalization="none")
    total, terms = all_terms(data, perturbed(x), x, **vars(config))
    weights = config.weights()
    assert math.isclose(total.item(), sum(weights[n] * terms[n].item() for n in terms), rel_tol=1e-9)
    assert all(value.ndim == 0 for value in terms.values())


def test_gradients_flow_to_pred(data):
    x, mask, _, _ = data
    loss = make_loss(data)
    pred = normalise(data, perturbed(x)).requires_grad_(True)
    total, terms = loss(pred, normalise(data, x), mask, torch.zeros(3, dtype=torch.long))
    total.backward()
    assert torch.isfinite(pred.grad).all()
    assert pred.grad[..., POSITIONS].abs().sum() > 0
    assert pred.grad.transpose(1, 2)[~mask].abs().sum() == 0  # padded frames get no gradient
    # nothing qualifies (every sample too noisy, and no real frame at all): zero, finite, differentiable
    pred.grad = None
    none = torch.zeros_like(mask)
    total, terms = loss(pred, normalise(data, x), none, torch.full((3,), 999))
    total.backward()
    assert total.item() == 0.0 and torch.isfinite(pred.grad).all()
    assert all(value.item() == 0.0 for value in terms.values())


def test_padded_frames_do_not_count(data):
    x, mask, _, _ = data
    pred, target = normalise(data, perturbed(x)), normalise(data, x)
    loss = make_loss(data, interaction="distance_map")
    loss_ail = make_loss(data)
    steps = torch.zeros(3, dtype=torch.long)
    first = {**loss(pred, target, mask, steps)[1], **loss_ail(pred, target, mask, steps)[1]}
    garbage_pred, garbage_target = pred.clone(), target.clone()
    padded = ~mask[:, None, :, None].expand_as(pred)
    generator = torch.Generator().manual_seed(0)
    garbage_pred[padded] = 100 * torch.randn(int(padded.sum()), generator=generator, dtype=pred.dtype)
    garbage_target[padded] = 100 * torch.randn(int(padded.sum()), generator=generator, dtype=pred.dtype)
    garbage_pred[1, :, -1] = float("nan")  # not even a NaN in a padded frame leaks in
    second = {**loss(garbage_pred, garbage_target, mask, steps)[1],
              **loss_ail(garbage_pred, garbage_target, mask, steps)[1]}
    for name, value in first.items():
        assert torch.allclose(value, second[name], rtol=1e-12, atol=1e-15), name


def test_masked_mean_of_nothing_is_zero():
    assert masked_mean(torch.ones(2, 3), torch.zeros(2, dtype=torch.bool)).item() == 0.0
    assert masked_mean(torch.arange(6.0).view(2, 3), torch.tensor([False, True])).item() == 4.0


def test_bad_arguments(data):
    x, mask, mean, std = data
    for bad in ({"interaction": "both"}, {"adaptive_norm": "l3"}, {"adaptive_normalization": "max"},
                {"adaptive_eps": 0.0}, {"vel": -1.0}):
        with pytest.raises(ValueError):
            LossConfig(**bad)
    with pytest.raises(ValueError, match="mean and std"):
        InteractionLoss(LossConfig(), mean[:10], std)
    loss = make_loss(data)
    steps = torch.zeros(3, dtype=torch.long)
    with pytest.raises(ValueError, match="pred and target"):
        loss(x[:, :1], x, mask, steps)
    with pytest.raises(ValueError, match="a single person has no partner: set the weights of ro, ja, ail to 0"):
        loss(x[:, :1], x[:, :1], mask, steps)
    single = make_loss(data, ro=0, ja=0, ail=0)
    assert set(single(x[:, :1], x[:, :1], mask, steps)[1]) == {"simple", "vel", "bl", "fc"}
    with pytest.raises(ValueError, match="mask"):
        loss(x, x, mask.float(), steps)
    with pytest.raises(ValueError, match="timesteps"):
        loss(x, x, mask, steps[:2])


def test_buffers_follow_the_module_but_stay_out_of_the_state_dict(data):
    loss = make_loss(data)
    assert loss.mean.dtype == torch.float64 and loss.std.shape == (FEATURE_DIM,)
    assert loss.state_dict() == {}


def test_shared_distance_maps_give_the_standalone_terms(data):
    """The module computes the 22x22 maps once for DM, JA and AIL: the same values as each term alone."""
    x, mask, _, _ = data
    pred = perturbed(x)
    p, t = joints(pred), joints(x)
    adaptive = all_terms(data, pred, x)[1]
    mapped = all_terms(data, pred, x, interaction="distance_map")[1]
    assert torch.allclose(adaptive["ail"], adaptive_interaction_loss(p, t, mask))
    assert torch.allclose(adaptive["ja"], joint_affinity_loss(p, t, mask))
    assert torch.allclose(mapped["dm"], distance_map_loss(p, t, mask))


def test_velocity_consistency_is_zero_on_real_features_and_sees_a_mismatch(data):
    x, mask, _, _ = data
    steps = torch.zeros(x.shape[0], dtype=torch.long)
    loss = make_loss(data, vc=1.0)
    target = normalise(data, x)
    # processed features: vel[t] = pos[t+1] - pos[t] exactly, so a perfect prediction is consistent
    assert loss(target, target, mask, steps)[1]["vc"].item() < 1e-12
    shifted = x.clone()
    shifted[..., 66:132] += 0.01  # every velocity off by 1 cm per axis: error 1e-4 per coordinate
    value = loss(normalise(data, shifted), target, mask, steps)[1]["vc"].item()
    assert math.isclose(value, 1e-4, rel_tol=1e-6)
    assert "vc" not in make_loss(data)(target, target, mask, steps)[1]  # off by default (InterGen's recipe)
