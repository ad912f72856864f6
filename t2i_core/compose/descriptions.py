"""Stage 2, the description sampler: new two-person descriptions inside a mined prompt space.

Description ``i`` of seed ``s`` is drawn from ``numpy.random.default_rng([s, i])``, so the same seed
gives the same list and a longer list starts with the shorter one (a resumed run redraws nothing).
Each draw picks a theme (weighted by its captions in the space), one of the theme's lexicon
actions (weighted by how often the captions name it), a value or none on each fine tag axis
(weighted by the theme x tag counts, plus a smoothing count that lets combinations no caption has
occur), then writes the initiator's action and the responder's reaction in one of the forms our
captions and InterHuman's take. The label of the written text (``label_caption``, the same as for
real captions) is its theme and tags; ``novel`` says whether that combination occurs in no caption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.compose.language_model import LocalLanguageModel
from t2i_core.compose.lexicon import ACTIONS, TAG_AXES, UNTHEMED, Action
from t2i_core.compose.space import PromptSpace, label_caption

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
    actions: tuple[str, ...]   # lexicon actions it was built from (in order)
    novel: bool                # its (theme, tags) combination occurs in no caption of the space


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
