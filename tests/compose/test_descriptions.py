import pytest

from t2i_core.compose.descriptions import FORMS, SamplerConfig, count_novel, sample_descriptions
from t2i_core.compose.lexicon import ACTIONS_BY_NAME
from t2i_core.compose.space import label_caption, mine_space
from t2i_core.compose.splitter import split_batch
from tests.fixtures import write_caption_folder

REAL = {
    "a": ["one person hugs the other person.", "a person embraces the other quickly.", "two people hug each other."],
    "b": ["one person pushes the other person.", "a person punches the other with the left fist."],
    "c": ["one person waves at the other with the right hand, and the other waves back."],
}


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    return mine_space(write_caption_folder(tmp_path_factory.mktemp("real"), REAL))


def test_same_seed_same_list_and_prefix_stable(space):
    first = sample_descriptions(space, 30, seed=3)
    assert first == sample_descriptions(space, 30, seed=3)
    assert sample_descriptions(space, 10, seed=3) == first[:10]
    assert [d.text for d in sample_descriptions(space, 30, seed=4)] != [d.text for d in first]


def test_descriptions_stay_in_the_space_and_carry_their_labels(space):
    descriptions = sample_descriptions(space, 200, seed=0)
    themes = {d.theme for d in descriptions}
    assert themes <= {"affection", "conflict", "greeting"}  # only themes the captions have
    assert len(themes) == 3
    for d in descriptions:
        assert (d.theme, d.tags) == label_caption(d.text)
        assert ACTIONS_BY_NAME[d.actions[0]].theme == d.theme  # built from the theme's lexicon actions
        assert d.form in FORMS
    assert {d.form for d in descriptions} == set(FORMS)


def test_novelty_is_counted_against_the_real_combinations(space):
    descriptions = sample_descriptions(space, 200, seed=0)
    novel = count_novel(descriptions)
    assert novel == sum(not space.has_combination(d.theme, d.tags) for d in descriptions)
    assert 0 < novel < len(descriptions)
    # without smoothing, tags come only from combinations seen per axis: fewer novel ones
    strict = sample_descriptions(space, 200, seed=0, config=SamplerConfig(tag_smoothing=1e-9, action_smoothing=1e-9))
    assert count_novel(strict) < novel


def test_every_sampled_description_splits(space):
    batch = split_batch([d.text for d in sample_descriptions(space, 200, seed=1)])
    assert batch.failures == {}
    assert batch.split_count == 200


def test_bad_requests(space, tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        sample_descriptions(space, 0, seed=0)
    unthemed = mine_space(write_caption_folder(tmp_path / "u", {"a": ["a cat sleeps."]}))
    with pytest.raises(ValueError, match="no themed caption"):
        sample_descriptions(unthemed, 5, seed=0)
