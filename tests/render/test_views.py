"""The analysis behind the attention and interaction-weight views, and their figures."""

import numpy as np
import pytest
import torch

from t2i_core.losses import adaptive_interaction_weights
from t2i_core.pipeline import AttentionMaps
from t2i_core.render.attention import AVERAGE, AttentionSummary, null_share, pool_frames, select, word_importance
from t2i_core.render.figures import (
    pair_3d_figure,
    pair_timeline_figure,
    person_attention_figure,
    weights_heatmap_figure,
    word_attention_figure,
    word_importance_figure,
)
from t2i_core.render.interaction import interaction_weights, strongest_over_clip, top_pairs


def test_attention_selection_and_summaries():
    rng = np.random.default_rng(0)
    maps = rng.uniform(0, 1, (3, 2, 2, 4, 10, 5))  # blocks, samples, persons, heads, frames, words
    assert np.allclose(select(maps, 1, AVERAGE, AVERAGE), maps[:, 1].mean(axis=2).mean(axis=0))
    assert np.allclose(select(maps, 0, 2, 3), maps[2, 0, :, 3])
    with pytest.raises(ValueError, match="out of range"):
        select(maps, 0, 7, 0)
    word = np.full((2, 10, 5), 0.1)
    assert np.allclose(word_importance(word), 0.1) and np.allclose(null_share(word), 0.5)


def test_person_maps_are_pooled_to_a_summary_a_visitor_can_keep():
    rng = np.random.default_rng(0)
    person = rng.uniform(0, 1, (2, 1, 2, 2, 300, 300))
    summary = AttentionSummary.from_maps(AttentionMaps(["[CLS]", "a"], rng.uniform(0, 1, (2, 1, 2, 2, 300, 2)), person))
    assert summary.person.shape == (2, 1, 2, 2, 100, 100) and summary.person.dtype == np.float16  # half the memory
    assert summary.person_frames[0] == 1.0 and summary.person_frames[-1] == 298.0
    assert np.allclose(summary.person[..., 0, 0], person[..., :3, :3].mean(axis=(-2, -1)), atol=1e-3)
    assert select(summary.person, 0).dtype == np.float32
    assert summary.blocks == 2 and summary.heads == 2
    small, centres = pool_frames(np.ones((5, 5)), 10)
    assert small.shape == (5, 5) and list(centres) == [0, 1, 2, 3, 4]


def test_weights_are_the_losss_own_and_pairs_are_ranked():
    rng = np.random.default_rng(0)
    joints = rng.normal(0, 1, (2, 7, 22, 3))
    weights = interaction_weights(joints, eps=0.2)
    expected = adaptive_interaction_weights(torch.from_numpy(joints[0]), torch.from_numpy(joints[1]), eps=0.2)
    assert weights.shape == (7, 22, 22) and np.allclose(weights, expected.numpy())
    joints[1, 3, 5] = joints[0, 3, 20]  # person 2's joint 5 touches person 1's joint 20 at frame 3
    weights = interaction_weights(joints, eps=0.1)
    best = top_pairs(weights[3], 3)[0]
    assert (best.i, best.j) == (20, 5) and best.weight == pytest.approx(10.0)
    assert best.label == "P1 l_wrist – P2 r_knee"
    assert (strongest_over_clip(weights, 1)[0].i, strongest_over_clip(weights, 1)[0].j) == (20, 5)
    with pytest.raises(ValueError, match="eps"):
        interaction_weights(joints, eps=0)


def test_figures_carry_labels_and_cursors():
    rng = np.random.default_rng(0)
    word = rng.uniform(0, 0.1, (2, 30, 4))
    labels = ["[CLS]", "hug", "hug", "[SEP]"]  # repeated words keep their own rows
    fig = word_attention_figure(word, labels, 12)
    assert list(fig.layout.yaxis.ticktext) == labels and fig.layout.shapes[0].x0 == 12
    bars = word_importance_figure(word.mean(1), labels, word[:, 12], 12, np.array([0.2, 0.3]))
    assert "20%" in bars.layout.title.text
    person = person_attention_figure(rng.uniform(0, 1, (2, 300, 300)), 40)
    assert np.asarray(person.data[0].z).shape == (150, 150)  # pooled for the browser
    joints = rng.normal(0, 1, (2, 5, 22, 3))
    weights = interaction_weights(joints)
    assert len(weights_heatmap_figure(weights[2], 2, 0.1).data[0].x) == 22
    assert len(pair_timeline_figure(weights, strongest_over_clip(weights, 4), 2).data) == 4
    assert len(pair_3d_figure(joints, 2, top_pairs(weights[2], 5)).data) == 4 + 5
