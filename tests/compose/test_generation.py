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
