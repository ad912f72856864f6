import dataclasses
import json

import pytest
import torch

from t2i_core.metrics import r_precision
from t2i_core.models.evaluator import (
    EvaluatorConfig,
    InteractionEvaluator,
    MotionTower,
    load_intergen_state_dict,
    map_intergen_state_dict,
)

TINY = EvaluatorConfig(patch_frames=2, motion_latent=32, motion_layers=1, motion_heads=2, motion_ff=64,
                       dropout=0.0, text_source="encoder_tokens", text_encoder="minilm", text_input_dim=16,
                       text_width=32, text_layers=1, text_heads=2, text_ff=64, embed_dim=16, max_frames=40)
TINY_PERSONS = dataclasses.replace(TINY, motion_layout="persons")


@pytest.mark.parametrize("config", [TINY, TINY_PERSONS], ids=["joint", "persons"])
def test_embeddings_are_unit_vectors_and_ignore_padding(config):
    torch.manual_seed(0)
    model = InteractionEvaluator(config).eval()
    features = torch.randn(3, 2, 40, 262)
    mask = torch.arange(40)[None] < torch.tensor([40, 25, 9])[:, None]
    first = model.encode_motion(features, mask)
    assert first.shape == (3, 16)
    assert torch.allclose(first.norm(dim=-1), torch.ones(3), atol=1e-5)
    garbage = features.clone()
    garbage[1, :, 26:] = 100.0  # frames beyond the length (and not sharing a patch with real ones)
    assert torch.allclose(model.encode_motion(garbage, mask), first, atol=1e-5)
    text = model.encode_text(torch.randn(3, 5, 16), torch.ones(3, 5, dtype=torch.bool))
    assert text.shape == (3, 16)


@pytest.mark.parametrize("config", [TINY, TINY_PERSONS], ids=["joint", "persons"])
def test_evaluator_overfits_a_handful_of_pairs(config):
    torch.manual_seed(0)
    model = InteractionEvaluator(config)
    features, mask = torch.randn(6, 2, 40, 262), torch.ones(6, 40, dtype=torch.bool)
    tokens, token_mask = torch.randn(6, 5, 16), torch.ones(6, 5, dtype=torch.bool)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(150):
        loss = model.contrastive_loss(model.encode_text(tokens, token_mask), model.encode_motion(features, mask))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        text, motion = model.encode_text(tokens, token_mask), model.encode_motion(features, mask)
    assert loss.item() < 0.05
    assert r_precision(text.numpy(), motion.numpy(), top_k=1)[0] == 1.0


def test_persons_layout_does_not_depend_on_which_person_comes_first():
    torch.manual_seed(0)
    features = torch.randn(3, 2, 40, 262)
    mask = torch.arange(40)[None] < torch.tensor([40, 25, 9])[:, None]
    swapped = features.flip(1)
    persons = InteractionEvaluator(TINY_PERSONS).eval()
    assert torch.allclose(persons.encode_motion(swapped, mask), persons.encode_motion(features, mask), atol=1e-5)
    # The joint layout does depend on it: the test can tell the two apart.
    joint = InteractionEvaluator(TINY).eval()
    assert not torch.allclose(joint.encode_motion(swapped, mask), joint.encode_motion(features, mask), atol=1e-3)


def test_persons_layout_tells_one_person_acting_twice_from_two_persons_acting():
    """Two bursts of motion: by one person, or one each; which file person moves first is random.
    Run through the same-person attention bias, the probe must learn it (it does by step ~150)."""
    torch.manual_seed(0)
    # Two layers: one to relate a person's tokens, one for the query to read the result.
    model = InteractionEvaluator(dataclasses.replace(TINY_PERSONS, motion_layers=2))
    head = torch.nn.Linear(16, 1)
    optimizer = torch.optim.AdamW([*model.parameters(), *head.parameters()], lr=1e-3)

    def sample(count):
        first, second = torch.randint(0, 2, (count,)), torch.randint(0, 2, (count,))
        features = 0.1 * torch.randn(count, 2, 40, 262)
        rows = torch.arange(count)
        features[rows, first, :10, :8] += 2.0
        features[rows, second, 30:, :8] += 2.0
        return features, (first == second).float()

    mask = torch.ones(64, 40, dtype=torch.bool)
    for _ in range(250):
        features, same = sample(64)
        logits = head(model.encode_motion(features, mask)).squeeze(-1) * 10
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, same)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    features, same = sample(256)
    with torch.no_grad():
        predicted = (head(model.encode_motion(features, torch.ones(256, 40, dtype=torch.bool))).squeeze(-1) > 0)
    accuracy = (predicted.float() == same).float().mean()
    assert accuracy > 0.9


def test_unknown_motion_layout_is_a_clear_error():
    with pytest.raises(ValueError, match="accepted: joint, persons"):
        EvaluatorConfig(motion_layout="stacked")


def intergen_shaped_state_dict():
    """A state dict with the names and shapes of InterGen's released evaluator (random values)."""
    state = {"model.motion_encoder.query_token": torch.randn(1, 1024),
             "model.motion_encoder.embed_motion.weight": torch.randn(1024, 516),
             "model.motion_encoder.embed_motion.bias": torch.randn(1024),
             "model.motion_encoder.sequence_pos_encoder.pe": torch.randn(2000, 1, 1024),
             "model.motion_encoder.out_ln.weight": torch.randn(1024),
             "model.motion_encoder.out_ln.bias": torch.randn(1024),
             "model.motion_encoder.out.weight": torch.randn(512, 1024),
             "model.motion_encoder.out.bias": torch.randn(512),
             "model.token_embedding.weight": torch.randn(49408, 768),
             "model.positional_embedding": torch.randn(77, 768),
             "model.latent_scale": torch.ones(1),
             "model.text_ln.weight": torch.randn(768), "model.text_ln.bias": torch.randn(768),
             "model.out.weight": torch.randn(512, 768), "model.out.bias": torch.randn(512)}
    for prefix, width in (("model.motion_encoder.transformer", 1024), ("model.textTransEncoder", 768)):
        for i in range(8):
            layer = f"{prefix}.layers.{i}"
            state.update({f"{layer}.self_attn.in_proj_weight": torch.randn(3 * width, width),
                          f"{layer}.self_attn.in_proj_bias": torch.randn(3 * width),
                          f"{layer}.self_attn.out_proj.weight": torch.randn(width, width),
                          f"{layer}.self_attn.out_proj.bias": torch.randn(width),
                          f"{layer}.linear1.weight": torch.randn(2048, width),
                          f"{layer}.linear1.bias": torch.randn(2048),
                          f"{layer}.linear2.weight": torch.randn(width, 2048),
                          f"{layer}.linear2.bias": torch.randn(width),
                          f"{layer}.norm1.weight": torch.randn(width), f"{layer}.norm1.bias": torch.randn(width),
                          f"{layer}.norm2.weight": torch.randn(width), f"{layer}.norm2.bias": torch.randn(width)})
    return state


def test_intergen_checkpoint_keys_map_onto_our_evaluator():
    state = intergen_shaped_state_dict()
    model = load_intergen_state_dict(state)
    assert torch.equal(model.motion.input_proj.weight, state["model.motion_encoder.embed_motion.weight"])
    last_layer = model.text.transformer.layers[7]
    assert torch.equal(last_layer.linear2.bias, state["model.textTransEncoder.layers.7.linear2.bias"])
    assert torch.equal(model.text.out_proj.weight, state["model.out.weight"])
    mapped = map_intergen_state_dict(state)
    assert "motion.out_proj.weight" in mapped and not any("pos_encoder" in k for k in mapped)
    model.eval()
    ids = torch.zeros(2, 77, dtype=torch.long)
    ids[:, 0], ids[:, 1], ids[:, 2] = 49406, 320, 49407
    with torch.no_grad():
        assert model.encode_text(ids).shape == (2, 512)
        assert model.encode_motion(torch.randn(2, 2, 30, 262), torch.ones(2, 30, dtype=torch.bool)).shape == (2, 512)


def test_twin_loss_is_the_two_way_cross_entropy_and_zero_without_twins():
    model = InteractionEvaluator(TINY)
    basis = torch.eye(16)[:3]
    scale = float(model.logit_scale.detach().exp())
    # Item 0 and 1 are twins; each caption matches its own motion (cos 1) and not the twin's (cos 0).
    loss = model.twin_loss(basis, basis, torch.tensor([1, 0, -1]))
    expected = torch.log1p(torch.exp(torch.tensor(-scale)))
    assert torch.allclose(loss, expected, atol=1e-6)
    # Swapped motions: every caption prefers its twin's motion, the loss is large.
    swapped = model.twin_loss(basis, basis[[1, 0, 2]], torch.tensor([1, 0, -1]))
    assert swapped > loss + scale / 2
    none = model.twin_loss(basis, basis, torch.tensor([-1, -1, -1]))
    assert none.item() == 0.0 and none.requires_grad is False


def test_a_checkpoint_saved_before_the_persons_layout_loads_as_joint(tmp_path):
    from t2i_core.models.registry import EVALUATOR, load_checkpoint, save_checkpoint

    save_checkpoint(tmp_path / "old", InteractionEvaluator(TINY), text_encoder="minilm")
    config_file = tmp_path / "old" / "config.json"
    payload = json.loads(config_file.read_text())
    del payload["config"]["motion_layout"]   # what configs written before the layout existed hold
    config_file.write_text(json.dumps(payload))
    model = load_checkpoint(tmp_path / "old", EVALUATOR).model
    assert model.config.motion_layout == "joint" and isinstance(model.motion, MotionTower)
