from t2i_core.compose.lexicon import ACTION_PATTERNS, ACTIONS, TAG_ORDER, find, lemmas, third_person, tokenize


def test_inflected_words_match_their_base_form():
    assert "hug" in lemmas("hugged") and "hug" in lemmas("hugging")
    assert [key for _, key, _ in find(ACTION_PATTERNS, tokenize("They were shaking hands."))] == ["handshake"]


def test_longer_patterns_take_their_words_first():
    # "give" alone is handing an object over; "give ... a high five" is a celebration
    found = [key for _, key, _ in find(ACTION_PATTERNS, tokenize("one person gives the other person a high five"))]
    assert found == ["high_five"]
    found = [key for _, key, _ in find(ACTION_PATTERNS, tokenize("one person gives the other person a cup"))]
    assert found == ["hand_over"]


def test_third_person_of_base_and_participle():
    assert third_person("hug") == "hugs"
    assert third_person("stepping") == "steps"
    assert third_person("walks") == "walks"


def test_every_action_has_a_known_theme_and_distinct_name():
    names = [a.name for a in ACTIONS]
    assert len(names) == len(set(names))
    assert all(a.limb in (None, "hand", "leg") for a in ACTIONS)
    assert len(TAG_ORDER) == len(set(TAG_ORDER))


def test_every_solo_phrase_names_its_action():
    import numpy as np

    from t2i_core.compose.lexicon import SOLO_PATTERNS, solo_actions_named
    from t2i_core.data.procedural.solo import SOLO_ACTIONS, sample_solo_spec
    from t2i_core.data.procedural.solo_captions import phrase

    assert set(SOLO_PATTERNS) == set(SOLO_ACTIONS)
    rng = np.random.default_rng(0)
    for kind in SOLO_ACTIONS:
        for _ in range(10):
            spec = sample_solo_spec(kind, rng)
            for k in range(3):
                assert kind in solo_actions_named("a person " + phrase(spec, k)), (kind, phrase(spec, k))
    assert solo_actions_named("two people shake hands and hug.") == ()
