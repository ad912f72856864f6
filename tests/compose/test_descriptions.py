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


def test_broad_descriptions_draw_solo_actions_in_the_space_relations(space):
    from t2i_core.compose.descriptions import (
        RELATIONS,
        SOLO_PREFIX,
        count_new_actions,
        new_actions,
        relation_weights,
        sample_broad_descriptions,
    )
    from t2i_core.data.procedural.solo import SOLO_ACTIONS

    first = sample_broad_descriptions(space, 120, seed=1)
    assert first == sample_broad_descriptions(space, 120, seed=1)
    assert sample_broad_descriptions(space, 10, seed=1) == first[:10]
    assert {d.relation for d in first} == set(RELATIONS)
    weights = relation_weights(space)
    assert abs(sum(weights.values()) - 1) < 1e-9 and weights["together"] > weights["copying"]  # "each other" captions
    solo = {a[len(SOLO_PREFIX):] for d in first for a in d.actions if a.startswith(SOLO_PREFIX)}
    assert solo <= set(SOLO_ACTIONS) and len(solo) >= 20
    mixed = [d for d in first if any(not a.startswith(SOLO_PREFIX) for a in d.actions)]
    assert 0 < len(mixed) < len(first)
    for d in mixed:  # the two-person part comes from the space's themes
        assert ACTIONS_BY_NAME[next(a for a in d.actions if not a.startswith(SOLO_PREFIX))].theme in {
            "affection", "conflict", "greeting"}
    for d in first:
        assert (d.theme, d.tags) == label_caption(d.text)
    # none of the tiny space's captions names a solo action, so every description uses a new one
    assert count_new_actions(first, space) == len(first)
    assert all(new_actions(d, space) for d in first)
    assert split_batch([d.text for d in first]).split_count == len(first)


def test_new_actions_are_counted_against_the_captions(tmp_path):
    from t2i_core.compose.descriptions import count_new_actions, new_actions, sample_broad_descriptions

    captions = dict(REAL, d=["one person claps, then the other person hugs them."])
    space = mine_space(write_caption_folder(tmp_path / "real", captions))
    assert space.solo_action_counts["clap"] == 1 and space.solo_action_counts["squat"] == 0
    descriptions = sample_broad_descriptions(space, 300, seed=0)
    only_clap = [d for d in descriptions if {a for a in d.actions if a.startswith("solo:")} == {"solo:clap"}]
    assert only_clap and all(not new_actions(d, space) for d in only_clap)
    assert count_new_actions(descriptions, space) == len(descriptions) - sum(
        all(a in ("solo:clap",) or not a.startswith("solo:") for a in d.actions) for d in descriptions)
    space.solo_action_counts = None  # a space saved before solo actions were counted
    with pytest.raises(ValueError, match="mine it again"):
        count_new_actions(descriptions, space)
