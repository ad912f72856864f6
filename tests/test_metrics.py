import numpy as np
import pytest

from t2i_core import metrics


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_fid_of_a_set_with_itself_is_zero_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    emb = unit(rng.normal(size=(400, 16)))
    assert metrics.frechet_distance(emb, emb) == pytest.approx(0.0, abs=1e-6)
    small = metrics.frechet_distance(emb, emb + 0.05)
    large = metrics.frechet_distance(emb, emb + 0.2)
    assert 0 < small < large
    # a pure mean shift s (before scaling by 6) adds |6 s|^2 to the FID
    assert small == pytest.approx(16 * (6 * 0.05) ** 2, rel=1e-3)


def test_perfectly_matched_embeddings_give_r_precision_one():
    emb = unit(np.random.default_rng(1).normal(size=(200, 32)))
    assert np.allclose(metrics.r_precision(emb, emb), [1, 1, 1])
    assert metrics.mm_distance(emb, emb) == pytest.approx(0.0)


def test_r_precision_counts_ranks_correctly():
    text = np.eye(3)
    motion = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=float)  # first two swapped
    assert np.allclose(metrics.r_precision(text, motion, top_k=3), [1 / 3, 1.0, 1.0])


def test_random_embeddings_give_chance_r_precision():
    rng = np.random.default_rng(2)
    r = metrics.r_precision(unit(rng.normal(size=(96 * 20, 64))), unit(rng.normal(size=(96 * 20, 64))))
    assert r[0] == pytest.approx(1 / 96, abs=0.01) and r[2] == pytest.approx(3 / 96, abs=0.015)


def test_diversity_and_multimodality():
    same = np.tile(unit(np.ones((1, 8))), (50, 1))
    assert metrics.diversity(same) == 0.0
    spread = unit(np.random.default_rng(3).normal(size=(50, 8)))
    assert metrics.diversity(spread) > 5.0  # random unit vectors, scaled by 6: about 6 * sqrt(2)
    assert metrics.multimodality(np.stack([same[:30]] * 4)) == 0.0
    assert metrics.multimodality(spread[:40].reshape(4, 10, 8)) > 5.0


def test_mean_and_interval():
    mean, interval = metrics.mean_and_interval([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and interval == pytest.approx(1.96 * np.std([1, 2, 3, 4]) / 2)


def standing_pair(frames=30, gap=1.0):
    joints = np.zeros((2, frames, 22, 3))
    joints[..., 1] = np.linspace(0.0, 1.6, 22)   # a vertical column of joints from the floor up
    joints[..., list(metrics.FOOT_JOINTS), 1] = 0.02   # feet on the floor
    joints[1, ..., 2] = gap
    return joints


def test_physical_metrics_on_crafted_motion():
    still = standing_pair()
    assert metrics.foot_skating_ratio(still) == 0.0
    assert metrics.floor_penetration(still) == 0.0
    assert metrics.jitter(still) == 0.0
    assert metrics.bone_length_error(still) == pytest.approx(0.0)
    assert metrics.inter_person_penetration(still) == 0.0
    sliding = still.copy()
    sliding[..., 0] += np.arange(30)[None, :, None] * 0.05   # everything slides 5 cm per frame
    assert metrics.foot_skating_ratio(sliding) == 1.0
    sunk = still.copy()
    sunk[..., 1] -= 0.1
    assert metrics.floor_penetration(sunk) == pytest.approx(0.1)
    overlapping = standing_pair(gap=0.1)
    assert metrics.inter_person_penetration(overlapping) == pytest.approx(0.24 - 0.1)
    shaky = still.copy()
    shaky[:, 1::2, :, 0] += 0.01
    assert metrics.jitter(shaky) == pytest.approx(0.02 * 900)


def test_token_boundary_jitter_finds_steps_between_tokens():
    still = standing_pair()  # 30 frames
    stepped = still.copy()
    stepped[..., 0] += (np.arange(30) // 3)[None, :, None] * 0.01  # each 3-frame token 1 cm further along
    boundary, inside = metrics.token_boundary_jitter(stepped, 3)
    assert boundary == pytest.approx(0.01 * 900) and inside == 0.0
    # a constant-velocity slide (no steps) accelerates nowhere; a uniform shake is the same on both sides
    sliding = still.copy()
    sliding[..., 0] += np.arange(30)[None, :, None] * 0.01
    assert metrics.token_boundary_jitter(sliding, 3) == pytest.approx((0.0, 0.0), abs=1e-9)
    shaky = still.copy()
    shaky[:, 1::2, :, 0] += 0.01
    boundary, inside = metrics.token_boundary_jitter(shaky, 3)
    assert boundary == pytest.approx(inside) == pytest.approx(0.02 * 900)
    with pytest.raises(ValueError, match="frames_per_token must be >= 3"):
        metrics.token_boundary_jitter(still, 1)
    with pytest.raises(ValueError, match="at least 4 frames"):
        metrics.token_boundary_jitter(still[:, :3], 3)


def test_contact_accuracy_only_where_the_real_pair_touches():
    real = standing_pair(gap=1.0)
    real[1, 10:20, 21] = real[0, 10:20, 21] + [0.05, 0, 0]  # hands meet in frames 10..19
    assert metrics.contact_accuracy(standing_pair(gap=1.0), standing_pair(gap=1.0)) is None
    assert metrics.contact_accuracy(real, real) == 1.0
    half = standing_pair(gap=1.0)
    half[1, 10:15, 21] = half[0, 10:15, 21]
    assert metrics.contact_accuracy(half, real) == 0.5


def test_twin_accuracy_counts_both_trials_of_each_pair():
    from t2i_core.metrics import twin_accuracy
    text = np.eye(4)
    motion = np.eye(4)[[0, 1, 3, 2]]   # pair (0, 1) right; pair (2, 3) swapped
    assert twin_accuracy(text, motion, {"order": [(0, 1)], "side": [(2, 3)], "speed": []}) == \
        {"order": 1.0, "side": 0.0}
    motion_half = np.eye(4)
    motion_half[1] = motion_half[0] + motion_half[1]  # caption 0 ties between the motions: not a win
    assert twin_accuracy(text, motion_half, {"order": [(0, 1)]}) == {"order": 0.5}
