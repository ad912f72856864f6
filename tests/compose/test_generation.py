import numpy as np
import pytest

from t2i_core.compose.generation import (
    JOINT_SOURCE,
    SINGLE_SOURCE,
    GeneratedPerson1,
    PipelineReaction,
    default_reaction_method,
)
from t2i_core.pipeline import Text2InteractPipeline
from tests.compose.builders import tiny_interactor


@pytest.fixture(scope="module")
def pipe(interactor_dir, encoder):
    return Text2InteractPipeline.from_pretrained(interactor_dir, text_encoder=encoder)


@pytest.fixture(scope="module")
def prior(single_person_dir, encoder):
    return Text2InteractPipeline.from_pretrained(single_person_dir, text_encoder=encoder)


def test_person1_is_batch_independent_for_lengths_that_split_a_token(pipe, prior):
    for model, source in ((pipe, JOINT_SOURCE), (prior, SINGLE_SOURCE)):
        person1 = GeneratedPerson1(model, 3.5, 3)
        alone = person1.make(["a person waves"], [31], [7])
        mixed = person1.make(["someone bows", "a person waves"], [47, 31], [3, 7])
        assert alone[0][1] == source and mixed[1][0].shape == (31, 262) and mixed[0][0].shape == (47, 262)
        assert np.allclose(mixed[1][0], alone[0][0], atol=1e-4)  # 31 frames: the last token is partly padding
        assert not np.allclose(mixed[0][0][:31], alone[0][0], atol=1e-3)
    assert person1.make([], [], []) == []


def test_the_reaction_adapter_keeps_person1_and_follows_the_method(pipe, prior):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(20, 262)).astype(np.float32), rng.normal(size=(20, 262)).astype(np.float32)
    inpaint = PipelineReaction(pipe, "inpaint", 3.5, 4)
    first = inpaint.react([a, b[:16]], ["two people hug", "they dance"], [1, 2])
    assert first[0].shape == (2, 20, 262) and first[1].shape == (2, 16, 262)
    assert np.array_equal(first[0][0], a) and np.array_equal(first[1][0], b[:16])
    other = inpaint.react([b], ["two people hug"], [1])
    assert not np.allclose(other[0][1], first[0][1], atol=1e-3)  # person 2 depends on person 1
    trained = PipelineReaction(pipe, "trained", 3.5, 4).react([a], ["two people hug"], [1])
    assert not np.allclose(trained[0][1], first[0][1], atol=1e-3)
    with pytest.raises(ValueError, match="accepted: trained, inpaint"):
        PipelineReaction(pipe, "inpainting")
    with pytest.raises(ValueError, match="two-person checkpoint"):
        PipelineReaction(prior)


def test_the_default_method_follows_the_checkpoints_training(tmp_path, interactor_dir, encoder):
    assert default_reaction_method(interactor_dir) == "inpaint"
    assert default_reaction_method(tiny_interactor(tmp_path / "r", encoder, reaction_prob=0.2)) == "trained"


def test_coupled_person2_places_the_priors_motion_by_theme_then_couples_it(pipe, prior, monkeypatch):
    """Method (b): the prior's person 2 is placed by its theme's real placements before the pair model couples it."""
    import math

    from t2i_core.compose.generation import PLACEMENT_STREAM, CoupledPerson2
    from t2i_core.compose.placement import MIN_THEME_CLIPS, PlacementTable, measure_placement
    from t2i_core.pipeline import item_seed

    near, far = [0.4 + 0.05 * i for i in range(MIN_THEME_CLIPS)], [3.0 + 0.05 * i for i in range(MIN_THEME_CLIPS)]
    distance = np.array(near + far)
    table = PlacementTable(np.array(["hug"] * len(near) + ["chase"] * len(far)), distance,
                           np.linspace(-1, 1, len(distance)), np.full(len(distance), math.pi))
    rng = np.random.default_rng(1)
    person1 = [rng.normal(size=(24, 262)).astype(np.float32) * 0.1 for _ in range(2)]
    coupler = CoupledPerson2(prior, pipe, table, "inpaint", strength=0.5, guidance_scale=3.5, steps=4)
    drafts = []
    real_react = pipe.react_batch

    def capture(*args, **kwargs):
        drafts.append(kwargs["person2"])
        return real_react(*args, **kwargs)

    monkeypatch.setattr(pipe, "react_batch", capture)
    texts, prompts2 = ["two people hug", "one chases the other"], ["a person hugs", "a person runs"]
    pairs = coupler.couple(person1, texts, prompts2, ["hug", "chase"], [11, 12])
    assert [p.shape for p in pairs] == [(2, 24, 262)] * 2
    assert all(np.array_equal(p[0], p1) for p, p1 in zip(pairs, person1))
    for draft, p1, theme, seed in zip(drafts[0], person1, ["hug", "chase"], [11, 12]):
        got = measure_placement(np.stack([p1, draft]))
        want = table.sample(theme, item_seed(seed, PLACEMENT_STREAM))
        assert (got.distance, got.bearing) == pytest.approx((want.distance, want.bearing), abs=1e-4)
        assert math.remainder(got.facing - want.facing, 2 * math.pi) == pytest.approx(0.0, abs=1e-4)
        assert got.distance < 1.0 if theme == "hug" else got.distance > 2.5
    # an item does not depend on its batch
    alone = coupler.couple(person1[1:], texts[1:], prompts2[1:], ["chase"], [12])
    assert np.allclose(alone[0], pairs[1], atol=1e-4)
    assert coupler.couple([], [], [], [], []) == []
    with pytest.raises(ValueError, match="single-person checkpoint"):
        CoupledPerson2(pipe, pipe, table)
    with pytest.raises(ValueError, match=r"strength must be a number in \(0, 1\]"):
        CoupledPerson2(prior, pipe, table, strength=1.5)
