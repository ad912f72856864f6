"""Stage 2, the description sampler: new two-person descriptions inside a mined prompt space.

Description ``i`` of seed ``s`` is drawn from ``numpy.random.default_rng([s, i])``, so the same seed
gives the same list and a longer list starts with the shorter one (a resumed run redraws nothing).
Each draw picks a theme (weighted by its captions in the space), one of the theme's lexicon
actions (weighted by how often the captions name it), a value or none on each fine tag axis
(weighted by the theme x tag counts, plus a smoothing count that lets combinations no caption has
occur), then writes the initiator's action and the responder's reaction in one of the forms our
captions and InterHuman's take. The label of the written text (``label_caption``, the same as for
real captions) is its theme and tags; ``novel`` says whether that combination occurs in no caption.

``BroadDescriptions`` (``sample_broad_description``) draws the single-person parts from the solo
corpus's action vocabulary instead (``data.procedural.solo``: the actions, their variants and their
caption phrasings, the language prior the paper's LLM provides) and the two-person structure from the
space: a relation (``RELATIONS``: in turn, at once, together, copying, in response, weighted by the
space's sequential / synchronous / imitation / reciprocal captions), the speed and side tags (the
theme x tag counts) and, for a share of descriptions, one of the space's two-person actions before or
after the solo part ("one person waves, and the other person waves back, then both people ...").
``count_new_actions`` says how many descriptions use a solo action that no caption of the space names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.compose.language_model import LocalLanguageModel
from t2i_core.compose.lexicon import ACTIONS, TAG_AXES, UNTHEMED, Action
from t2i_core.compose.space import PromptSpace, label_caption, unseen_solo_actions

FORMS = ("one_other", "while", "first_second", "then_other", "both", "sequence")
ADVERBS = {"fast": "quickly", "slow": "slowly", "intense": "forcefully", "gentle": "gently"}
SAMPLED_AXES = ("speed", "intensity", "side", "order", "synchrony")  # contact follows from the action


@dataclass(frozen=True)
class SamplerConfig:
    tag_smoothing: float = 1.0      # count added to every tag value (and to "none") per theme
    action_smoothing: float = 1.0   # count added to every action of a theme


@dataclass(frozen=True)
class Description:
    text: str
    theme: str
    tags: tuple[str, ...]
    form: str                  # one of FORMS, or "language_model"
    actions: tuple[str, ...]   # lexicon actions it was built from (in order); solo-corpus ones as "solo:<kind>"
    novel: bool                # its (theme, tags) combination occurs in no caption of the space
    relation: str | None = None  # broad descriptions: one of RELATIONS


def _weights(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array / array.sum()


def _choose_theme(space: PromptSpace, rng: np.random.Generator) -> str:
    themes = [t for t in space.themes() if t != UNTHEMED and any(a.theme == t for a in ACTIONS)]
    if not themes:
        raise ValueError("the prompt space has no themed caption to sample descriptions from")
    return str(rng.choice(themes, p=_weights([space.theme_counts[t] for t in themes])))


def _choose_action(space: PromptSpace, theme: str, rng: np.random.Generator, config: SamplerConfig,
                   exclude: str | None = None) -> Action:
    actions = [a for a in ACTIONS if a.theme == theme and a.name != exclude] or [a for a in ACTIONS if a.theme == theme]
    weights = [space.action_counts.get(a.name, 0) + config.action_smoothing for a in actions]
    return actions[int(rng.choice(len(actions), p=_weights(weights)))]


def _choose_tags(space: PromptSpace, theme: str, action: Action, rng: np.random.Generator,
                 config: SamplerConfig) -> dict[str, str | None]:
    """Axis -> the value to write (or None) for the sampled axes."""
    seen = space.cooccurrence.get(theme, {})
    total = space.theme_counts.get(theme, 0)
    chosen = {}
    for axis in TAG_AXES:
        if axis.name not in SAMPLED_AXES or (axis.name == "side" and action.limb is None):
            chosen[axis.name] = None
            continue
        values = list(axis.values)
        counts = [seen.get(v, 0) for v in values]
        weights = [c + config.tag_smoothing for c in counts] + [max(total - sum(counts), 0) + config.tag_smoothing]
        pick = int(rng.choice(len(values) + 1, p=_weights(weights)))
        chosen[axis.name] = values[pick] if pick < len(values) else None
    return chosen


def _initiator(action: Action, tags: dict[str, str | None], partner: str) -> str:
    adverbs = [ADVERBS[tags[a]] for a in ("speed", "intensity") if tags.get(a)]
    side = f" with the {tags['side']} {action.limb}" if tags.get("side") else ""
    phrase = action.initiator.format(o=partner, **{"with": side if "{with}" in action.initiator else ""})
    if adverbs:
        phrase = " and ".join(adverbs) + " " + phrase
    if side and "{with}" not in action.initiator:
        phrase += side
    if tags.get("order") == "repeated":
        phrase += " twice"
    return phrase


def _together(action: Action, tags: dict[str, str | None]) -> str:
    adverbs = [ADVERBS[tags[a]] for a in ("speed", "intensity") if tags.get(a)]
    phrase = action.together or ""
    if adverbs:
        phrase = " and ".join(adverbs) + " " + phrase
    if tags.get("order") == "repeated":
        phrase += " twice"
    return phrase


def _write(action: Action, second: Action | None, tags: dict[str, str | None],
           rng: np.random.Generator) -> tuple[str, str]:
    """(form, text) for the sampled action(s) and tags."""
    if second is not None:
        return "sequence", (f"one person {_initiator(action, tags, 'the other person')}, and the other person "
                            f"{action.reaction.format(o='them')}, then the other person "
                            f"{_initiator(second, {}, 'the first person')}, and the first person "
                            f"{second.reaction.format(o='them')}.")
    if tags.get("synchrony") == "synchronous" and action.together:
        return "both", f"both people {_together(action, tags)}."
    init, react = _initiator(action, tags, "the other person"), action.reaction.format(o="them")
    if tags.get("synchrony") == "synchronous":
        return "while", f"one person {init}, and at the same time the other person {react}."
    if tags.get("order") == "sequential":
        return "then_other", f"one person {init}, then the other person {react}."
    form = str(rng.choice(["one_other", "while", "first_second"]))
    if form == "first_second":
        init = _initiator(action, tags, "the second person")
        return form, f"the first person {init}, and the second person {action.reaction.format(o='the first person')}."
    if form == "while":
        return form, f"one person {init} while the other {react}."
    return form, f"one person {init}, and the other person {react}."


def _labelled(text: str, form: str, actions: tuple[str, ...], space: PromptSpace) -> Description:
    theme, tags = label_caption(text)
    return Description(text, theme, tags, form, actions, not space.has_combination(theme, tags))


def sample_description(space: PromptSpace, seed: int, index: int, config: SamplerConfig = SamplerConfig(),
                       language_model: LocalLanguageModel | None = None) -> Description:
    """Description ``index`` of ``seed`` (depends on nothing else)."""
    rng = np.random.default_rng([seed, index])
    theme = _choose_theme(space, rng)
    action = _choose_action(space, theme, rng, config)
    tags = _choose_tags(space, theme, action, rng, config)
    if language_model is not None:
        words = ", ".join(v for v in tags.values() if v) or "none"
        prompt = (f"Describe in one sentence what two people do together.\nTheme: {theme}\nAction: "
                  f"{action.name.replace('_', ' ')}\nTags: {words}\nDescription: One person")
        text = "one person " + language_model.complete(prompt, seed=int(rng.integers(2**31)))
        return _labelled(text, "language_model", (action.name,), space)
    second = None
    if tags.get("order") == "sequential" and rng.random() < 0.5:
        second = _choose_action(space, theme, rng, config, exclude=action.name)
    form, text = _write(action, second, tags, rng)
    return _labelled(text, form, (action.name,) if second is None else (action.name, second.name), space)


def sample_descriptions(space: PromptSpace, n: int, seed: int, config: SamplerConfig = SamplerConfig(),
                        language_model: LocalLanguageModel | None = None) -> list[Description]:
    """``n`` descriptions; the same (space, n, seed, config) gives the same list."""
    if n < 1:
        raise ValueError(f"the number of descriptions must be at least 1, got {n}")
    return [sample_description(space, seed, i, config, language_model) for i in range(n)]


def count_novel(descriptions: list[Description]) -> int:
    """How many descriptions have a (theme, tags) combination that no real caption has."""
    return sum(d.novel for d in descriptions)


class SpaceDescriptions:
    """The run's ``DescriptionSource``: descriptions sampled inside a mined prompt space."""

    def __init__(self, space: PromptSpace, config: SamplerConfig = SamplerConfig(),
                 language_model: LocalLanguageModel | None = None):
        self.space, self.config, self.language_model = space, config, language_model

    def sample(self, n: int, seed: int) -> list[Description]:
        return sample_descriptions(self.space, n, seed, self.config, self.language_model)


# -- descriptions from the broad single-person vocabulary --------------------------------------------

RELATIONS = ("in_turn", "at_once", "together", "copying", "in_response")
SOLO_PREFIX = "solo:"


@dataclass(frozen=True)
class BroadConfig:
    two_person_share: float = 0.3      # descriptions that add one of the space's two-person actions
    relation_smoothing: float = 0.05   # share of the captions added to every relation's weight
    tag_smoothing: float = 1.0
    action_smoothing: float = 1.0


def relation_weights(space: PromptSpace, config: BroadConfig = BroadConfig()) -> dict[str, float]:
    """How often the space's captions take each relation's structure (plus smoothing), normalised."""
    tags = space.tag_counts
    counts = {"in_turn": tags.get("sequential", 0), "at_once": tags.get("synchronous", 0) / 2,
              "together": tags.get("synchronous", 0) / 2, "copying": space.theme_counts.get("imitation", 0),
              "in_response": tags.get("reciprocal", 0)}
    extra = config.relation_smoothing * max(space.captions, 1)
    total = sum(counts.values()) + extra * len(counts)
    return {r: (counts[r] + extra) / total for r in RELATIONS}


def _solo_spec(kind: str, tags: dict[str, str | None], rng: np.random.Generator):
    """A solo action of ``kind`` with its variant drawn as the corpus draws it, speed and side as the tags say."""
    from t2i_core.data.procedural.solo import SOLO_ACTIONS, sample_solo_spec

    spec = sample_solo_spec(kind, rng)
    speed = {"fast": "quickly", "slow": "slowly"}.get(tags.get("speed") or "")
    if speed and SOLO_ACTIONS[kind].speeds:
        spec.speed = speed
    if tags.get("side") and SOLO_ACTIONS[kind].sided:
        spec.side = tags["side"]
    return spec


def _pair_kinds() -> tuple[str, ...]:
    """Solo actions that fit two persons facing each other (no long travel), as in the OOD vocabulary."""
    from t2i_core.data.procedural.solo import SOLO_ACTIONS

    return tuple(sorted(k for k, a in SOLO_ACTIONS.items() if not a.travels))


def _solo_clause(relation: str, a: str, b: str, k: int) -> str:
    """The relation between one person doing ``a`` and the other doing ``b`` (paraphrase ``k``)."""
    if relation == "in_turn":
        return (f"one person {a}, then the other person {b}", f"the first person {a}, and after that the second "
                f"person {b}", f"one person {a}; afterwards the other {b}")[k]
    if relation == "at_once":
        return (f"one person {a} while the other person {b}", f"the first person {a} and at the same time the "
                f"second person {b}", f"while one person {a}, the other {b}")[k]
    if relation == "together":
        return (f"both people act together, and each {a}", f"at the same time, each of the two people {a}",
                f"the two of them move in unison: each {a}")[k]
    if relation == "copying":
        return (f"one person {a}, and the other person copies them", f"the first person {a}; the second person "
                "watches and then does the same", f"one person {a}, and then the other does the same")[k]
    return (f"one person {a}, and in response the other person {b}", f"the first person {a}, and the second "
            f"person responds: the second person {b}", f"one person {a}; the other answers and {b}")[k]


def sample_broad_description(space: PromptSpace, seed: int, index: int,
                             config: BroadConfig = BroadConfig()) -> Description:
    """Broad description ``index`` of ``seed`` (depends on nothing else)."""
    from t2i_core.data.procedural.solo_captions import phrase

    rng = np.random.default_rng([seed, index, 7])
    weights = relation_weights(space, config)
    relation = str(rng.choice(RELATIONS, p=[weights[r] for r in RELATIONS]))
    sampler = SamplerConfig(config.tag_smoothing, config.action_smoothing)
    theme = _choose_theme(space, rng)
    pair_action = _choose_action(space, theme, rng, sampler)
    tags = _choose_tags(space, theme, pair_action, rng, sampler)
    kinds = _pair_kinds()
    first = str(rng.choice(kinds))
    second = first if relation in ("together", "copying") else str(rng.choice([k for k in kinds if k != first]))
    paraphrase = int(rng.integers(3))
    solo_tags = {"speed": tags.get("speed"), "side": str(rng.choice(["left", "right"])) if tags.get("side") else None}
    a = phrase(_solo_spec(first, solo_tags, rng), paraphrase)
    b = phrase(_solo_spec(second, {"speed": solo_tags["speed"]}, rng), paraphrase)
    text = _solo_clause(relation, a, b, paraphrase)
    actions = tuple(dict.fromkeys((SOLO_PREFIX + first, SOLO_PREFIX + second)))
    if rng.random() < config.two_person_share:
        pair = f"one person {_initiator(pair_action, {}, 'the other person')}, and the other person " \
               f"{pair_action.reaction.format(o='them')}"
        if rng.random() < 0.6:
            text, actions = f"{pair}, then {text}", (pair_action.name, *actions)
        else:
            text, actions = f"{text}, then {pair}", (*actions, pair_action.name)
    description = _labelled(text[:1].upper() + text[1:] + ".", "broad", actions, space)
    return Description(description.text, description.theme, description.tags, description.form, actions,
                       description.novel, relation)


def sample_broad_descriptions(space: PromptSpace, n: int, seed: int,
                              config: BroadConfig = BroadConfig()) -> list[Description]:
    """``n`` broad descriptions; the same (space, n, seed, config) gives the same list."""
    if n < 1:
        raise ValueError(f"the number of descriptions must be at least 1, got {n}")
    return [sample_broad_description(space, seed, i, config) for i in range(n)]


def new_actions(description: Description, space: PromptSpace) -> tuple[str, ...]:
    """The solo actions of a description that no caption of the space names."""
    unseen = unseen_solo_actions(space)
    return tuple(a for a in description.actions if a.startswith(SOLO_PREFIX) and a[len(SOLO_PREFIX):] in unseen)


def count_new_actions(descriptions: list[Description], space: PromptSpace) -> int:
    """How many descriptions use at least one solo action that no caption of the space names."""
    return sum(bool(new_actions(d, space)) for d in descriptions)


class BroadDescriptions:
    """The run's ``DescriptionSource`` over the broad vocabulary (``sample_broad_descriptions``)."""

    def __init__(self, space: PromptSpace, config: BroadConfig = BroadConfig()):
        self.space, self.config = space, config

    def sample(self, n: int, seed: int) -> list[Description]:
        return sample_broad_descriptions(self.space, n, seed, self.config)
