"""Stage 1, the prompt space: coarse themes x fine tags, mined from the captions of a data folder.

Every caption of an InterHuman-layout folder is labelled with the lexicon (``lexicon.py``): its
theme is the theme of the first action it names that is not mere walking (walking up to someone
is the prelude of most interactions), and its tags are every fine modifier it names (speed,
intensity, synchrony, side, contact, order). The space keeps what the data says about those labels:
captions per theme and per tag, theme x tag co-occurrence, the (theme, tags) combinations that
occur (so the sampler can tell a novel combination), example captions per theme and the frequent
content words no pattern covers - the words a user with other captions should look at first.

On the procedural set, whose ``manifest.json`` knows each clip's phases, ``manifest_agreement``
checks the mined labels against the truth.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from t2i_core.compose.lexicon import (
    ACTION_PATTERNS,
    ACTIONS_BY_NAME,
    BACKGROUND_THEME,
    PERSON_WORDS,
    SOLO_PATTERNS,
    TAG_AXIS_OF,
    TAG_ORDER,
    TAG_PATTERNS,
    THEMES,
    UNTHEMED,
    find,
    lemma,
    lemmas,
    lexicon_words,
    solo_actions_named,
    tokenize,
)
from t2i_core.data.layout import SPLITS, DataFolderError, InterHumanLayout
from t2i_core.data.manifest import read_manifest, read_records
from t2i_core.io import atomic_write_text

SPACE_FORMAT = 1
EXAMPLES_PER_THEME = 5
UNCOVERED_LISTED = 40


class NoCaptionsError(ValueError):
    """The folder has no caption to mine."""


@dataclass(frozen=True)
class CaptionMatch:
    """What the lexicon finds in one caption, in caption order."""

    actions: tuple[str, ...]
    sides: tuple[str, ...]   # every "left"/"right" mention, in order
    tags: tuple[str, ...]    # canonical order (``TAG_ORDER``)

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(ACTIONS_BY_NAME[a].theme for a in self.actions)

    @property
    def theme(self) -> str:
        return primary_theme(self.themes)


def primary_theme(themes: tuple[str, ...] | list[str]) -> str:
    """The first theme that is not the background one; the background one if that is all; else "other"."""
    for theme in themes:
        if theme != BACKGROUND_THEME:
            return theme
    return BACKGROUND_THEME if themes else UNTHEMED


def match_caption(text: str) -> CaptionMatch:
    tokens = tokenize(text)
    actions = tuple(key for _, key, _ in find(ACTION_PATTERNS, tokens))
    found = [key for _, key, _ in find(TAG_PATTERNS, tokens)]
    sides = tuple(key for key in found if TAG_AXIS_OF[key] == "side")
    tags = tuple(t for t in TAG_ORDER if t in set(found))
    return CaptionMatch(actions, sides, tags)


def label_caption(text: str) -> tuple[str, tuple[str, ...]]:
    """(theme, tags) of a caption: e.g. ("greeting", ("fast", "left"))."""
    match = match_caption(text)
    return match.theme, match.tags


def combination_key(theme: str, tags: tuple[str, ...] | list[str]) -> str:
    """"greeting|fast,left": one (theme, tag set) combination as a string."""
    return f"{theme}|{','.join(t for t in TAG_ORDER if t in set(tags))}"


@dataclass
class PromptSpace:
    """The mined theme x tag space of one caption folder (JSON-serialisable)."""

    source: str                                 # the folder's name
    clips: int
    captions: int
    theme_counts: dict[str, int]                # captions per theme
    tag_counts: dict[str, int]                  # captions per tag
    cooccurrence: dict[str, dict[str, int]]     # theme -> tag -> captions with both
    combinations: dict[str, int]                # combination_key -> captions
    action_counts: dict[str, int]               # captions naming each lexicon action
    examples: dict[str, list[str]]              # theme -> a few captions
    uncovered_words: list[tuple[str, int]]      # frequent content lemmas no pattern covers
    unthemed_words: list[tuple[str, int]] = field(default_factory=list)  # the same, in "other" captions only
    # captions naming each solo-corpus action (lexicon.SOLO_PATTERNS); None in a space saved before it was mined
    solo_action_counts: dict[str, int] | None = None
    format: int = SPACE_FORMAT

    def themes(self) -> list[str]:
        """Themes with at least one caption, most frequent first."""
        return [t for t, n in sorted(self.theme_counts.items(), key=lambda kv: (-kv[1], kv[0])) if n > 0]

    def has_combination(self, theme: str, tags: tuple[str, ...] | list[str]) -> bool:
        return self.combinations.get(combination_key(theme, tags), 0) > 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> PromptSpace:
        if data.get("format") != SPACE_FORMAT:
            raise ValueError(f"prompt space format {data.get('format')!r} is not supported; expected {SPACE_FORMAT}")
        data = dict(data)
        for key in ("uncovered_words", "unthemed_words"):
            data[key] = [(str(w), int(n)) for w, n in data.get(key, [])]
        return cls(**data)

    def save(self, path: str | Path) -> Path:
        return atomic_write_text(path, json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> PromptSpace:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"prompt space file not found: {path}")
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def caption_clip_ids(layout: InterHumanLayout) -> list[str]:
    """The clips of the split files (less the ignore list), or every ``annots/*.txt`` when there are none."""
    if not layout.annots_dir.is_dir():
        raise DataFolderError(f"no annots folder in {layout.root} (expected annots/<id>.txt caption files)")
    listed = [i for s in SPLITS if layout.split_file(s) is not None for i in layout.split_ids(s)]
    if not listed:
        listed = sorted(p.stem for p in layout.annots_dir.glob("*.txt"))
    ignored = layout.ignore_list()
    return [i for i in dict.fromkeys(listed) if i not in ignored and layout.caption_file(i).is_file()]


def read_captions(root: str | Path) -> dict[str, list[str]]:
    """Clip id -> its captions, for every clip of the folder that has any."""
    layout = InterHumanLayout.open(root)
    captions = {i: layout.captions(i) for i in caption_clip_ids(layout)}
    captions = {i: c for i, c in captions.items() if c}
    if not captions:
        raise NoCaptionsError(f"no captions in {layout.annots_dir} (expected annots/<id>.txt, one caption a line)")
    return captions


def _uncovered_lemmas(text: str, covered: frozenset[str]) -> list[str]:
    """Content-word lemmas of a caption that no pattern uses (stop words and person words left out)."""
    out = []
    for token in tokenize(text):
        if len(token) <= 2 or token in ENGLISH_STOP_WORDS or token in PERSON_WORDS or token in covered:
            continue
        if not covered.intersection(lemmas(token)):
            out.append(lemma(token))
    return out


def mine_space(root: str | Path) -> PromptSpace:
    """Label every caption of an InterHuman-layout folder and count the space."""
    captions = read_captions(root)
    theme_counts = Counter(dict.fromkeys((*THEMES, UNTHEMED), 0))
    tag_counts = Counter(dict.fromkeys(TAG_ORDER, 0))
    cooccurrence = {t: Counter() for t in (*THEMES, UNTHEMED)}
    combinations, action_counts = Counter(), Counter()
    solo_counts = Counter(dict.fromkeys(SOLO_PATTERNS, 0))
    by_theme: dict[str, list[str]] = {}
    covered = lexicon_words()
    uncovered, unthemed = Counter(), Counter()
    texts = [c for clip in captions.values() for c in clip]
    for text in texts:
        match = match_caption(text)
        theme_counts[match.theme] += 1
        tag_counts.update(match.tags)
        cooccurrence[match.theme].update(match.tags)
        combinations[combination_key(match.theme, match.tags)] += 1
        action_counts.update(set(match.actions))
        solo_counts.update(solo_actions_named(text))
        by_theme.setdefault(match.theme, []).append(text)
        words = _uncovered_lemmas(text, covered)
        uncovered.update(words)
        if match.theme == UNTHEMED:
            unthemed.update(words)
    examples = {t: _spread(by_theme[t], EXAMPLES_PER_THEME) for t in sorted(by_theme)}
    return PromptSpace(
        source=Path(root).name, clips=len(captions), captions=len(texts),
        theme_counts=dict(theme_counts), tag_counts=dict(tag_counts),
        cooccurrence={t: {k: n for k, n in c.items() if n} for t, c in cooccurrence.items()},
        combinations=dict(sorted(combinations.items())), action_counts=dict(sorted(action_counts.items())),
        examples=examples, uncovered_words=uncovered.most_common(UNCOVERED_LISTED),
        unthemed_words=unthemed.most_common(UNCOVERED_LISTED), solo_action_counts=dict(sorted(solo_counts.items())),
    )


def _spread(items: list[str], n: int) -> list[str]:
    """``n`` distinct items spread evenly over the list (deterministic)."""
    distinct = list(dict.fromkeys(items))
    if len(distinct) <= n:
        return distinct
    step = len(distinct) / n
    return [distinct[int(i * step)] for i in range(n)]


def unseen_solo_actions(space: PromptSpace) -> frozenset[str]:
    """The solo-corpus actions that no caption of the space names."""
    if space.solo_action_counts is None:
        raise ValueError(f"the prompt space of {space.source} was saved without solo action counts; mine it again "
                         "(training.compose space --data DIR --out FILE)")
    return frozenset(a for a, n in space.solo_action_counts.items() if n == 0)


def format_space(space: PromptSpace) -> str:
    lines = [f"prompt space of {space.source}: {space.clips} clips, {space.captions} captions"]
    lines.append("themes (captions):")
    for theme in [*space.themes()]:
        n = space.theme_counts[theme]
        tags = ", ".join(f"{t} {c}" for t, c in sorted(space.cooccurrence.get(theme, {}).items(),
                                                         key=lambda kv: -kv[1]))
        lines.append(f"  {theme:<14} {n:>7}  {100 * n / space.captions:5.1f}%   tags: {tags or '-'}")
    lines.append("tags (captions): " + ", ".join(f"{t} {space.tag_counts[t]}" for t in TAG_ORDER))
    lines.append(f"combinations (theme x tag set) seen: {sum(1 for n in space.combinations.values() if n)}")
    lines.append("examples:")
    for theme in space.themes():
        for text in space.examples.get(theme, [])[:3]:
            lines.append(f"  [{theme}] {text}")
    lines.append("frequent words no pattern covers: "
                 + (", ".join(f"{w} {n}" for w, n in space.uncovered_words[:25]) or "-"))
    if space.solo_action_counts is not None:
        named = {a: n for a, n in space.solo_action_counts.items() if n}
        lines.append(f"solo-corpus actions named by captions: {len(named)} of {len(space.solo_action_counts)}"
                     + (" (" + ", ".join(f"{a} {n}" for a, n in sorted(named.items())) + ")" if named else ""))
    if space.unthemed_words:
        lines.append("... of which in unthemed captions: "
                     + ", ".join(f"{w} {n}" for w, n in space.unthemed_words[:15]))
    return "\n".join(lines)


# -- agreement with the procedural manifest ----------------------------------------------------

def kind_theme(kind: str) -> str:
    """The theme of a procedural interaction kind (every kind is a lexicon action of the same name)."""
    if kind not in ACTIONS_BY_NAME:
        raise KeyError(f"procedural kind {kind!r} has no lexicon action")
    return ACTIONS_BY_NAME[kind].theme


def expected_contact(phase: dict) -> bool:
    """Whether a manifest phase has the persons touch (a punch that is blocked still counts as no hit)."""
    if phase["kind"] == "punch":
        return (phase.get("options") or {}).get("outcome") != "block"
    return ACTIONS_BY_NAME[phase["kind"]].contact


@dataclass
class BinaryAgreement:
    captions: int
    accuracy: float
    precision: float | None   # None when the tag was never mined
    recall: float | None      # None when the manifest never expects it


@dataclass
class AgreementReport:
    clips: int
    captions: int
    theme_overall: float                     # share of captions whose mined theme is the manifest's
    theme_per_theme: dict[str, dict]         # expected theme -> {"captions", "agreement"}
    action_overall: float                    # share whose first non-walking action is the manifest's kind
    confusions: list[tuple[str, str, int]]   # (expected, mined, captions), most frequent first
    tags: dict[str, BinaryAgreement]         # "sequential", "fast", "slow", "contact"
    side_recall: float                       # share of sided captions naming every phase's side
    twins: dict[str, dict]                   # contrast -> {"pairs", "told_apart"}


def read_manifest_records(root: str | Path) -> list[dict] | None:
    """The procedural manifest's records that have phases; None for a folder without a manifest."""
    if read_manifest(root) is None:
        return None
    return [r for r in read_records(root) if r.get("phases")]


def _binary(expected: list[bool], mined: list[bool]) -> BinaryAgreement:
    pairs = list(zip(expected, mined))
    tp = sum(e and m for e, m in pairs)
    n_mined, n_expected = sum(mined), sum(expected)
    return BinaryAgreement(len(pairs), sum(e == m for e, m in pairs) / max(len(pairs), 1),
                           tp / n_mined if n_mined else None, tp / n_expected if n_expected else None)


def manifest_agreement(root: str | Path) -> AgreementReport | None:
    """The mined labels against the procedural manifest's phases; None for a folder without a manifest."""
    records = read_manifest_records(root)
    if records is None:
        return None
    layout = InterHumanLayout.open(root)
    per_theme: dict[str, list[bool]] = {}
    action_hits, confusions = [], Counter()
    expected_tags: dict[str, list[bool]] = {t: [] for t in ("sequential", "fast", "slow", "contact")}
    mined_tags: dict[str, list[bool]] = {t: [] for t in expected_tags}
    side_hits = []
    signatures: dict[tuple[int, str], list[tuple]] = {}
    clips = captions_seen = 0
    for record in records:
        file = layout.caption_file(record["id"])
        if not file.is_file():
            continue
        clips += 1
        phases = record["phases"]
        kinds = [p["kind"] for p in phases]
        theme = primary_theme([kind_theme(k) for k in kinds])
        first_action = next((k for k in kinds if kind_theme(k) != BACKGROUND_THEME), kinds[0])
        speeds = {p.get("speed") for p in phases}
        truth = {"sequential": len(phases) >= 2, "fast": "quickly" in speeds, "slow": "slowly" in speeds,
                 "contact": any(expected_contact(p) for p in phases)}
        sides = {p["side"] for p in phases if p.get("side")}
        texts = layout.captions(record["id"])
        for k, text in enumerate(texts):
            captions_seen += 1
            match = match_caption(text)
            per_theme.setdefault(theme, []).append(match.theme == theme)
            if match.theme != theme:
                confusions[(theme, match.theme)] += 1
            mined_first = next((a for a in match.actions if ACTIONS_BY_NAME[a].theme != BACKGROUND_THEME),
                               match.actions[0] if match.actions else None)
            action_hits.append(mined_first == first_action)
            for tag in expected_tags:
                expected_tags[tag].append(truth[tag])
                mined_tags[tag].append(tag in match.tags)
            if sides:
                side_hits.append(sides <= set(match.sides))
            if record.get("contrast"):
                speed_tags = tuple(t for t in match.tags if TAG_AXIS_OF[t] == "speed")
                signatures.setdefault((record["group"], record["contrast"], k), []).append(
                    {"side": match.sides, "speed": speed_tags, "order": match.actions}.get(record["contrast"]))
    twins: dict[str, dict] = {}
    for (_, contrast, _), values in sorted(signatures.items()):
        if len(values) != 2 or contrast not in ("side", "speed", "order"):
            continue
        entry = twins.setdefault(contrast, {"pairs": 0, "told_apart": 0})
        entry["pairs"] += 1
        entry["told_apart"] += values[0] != values[1]
    for entry in twins.values():
        entry["told_apart"] = entry["told_apart"] / max(entry["pairs"], 1)
    all_hits = [h for hits in per_theme.values() for h in hits]
    return AgreementReport(
        clips=clips, captions=captions_seen,
        theme_overall=sum(all_hits) / max(len(all_hits), 1),
        theme_per_theme={t: {"captions": len(h), "agreement": sum(h) / len(h)} for t, h in sorted(per_theme.items())},
        action_overall=sum(action_hits) / max(len(action_hits), 1),
        confusions=[(e, m, n) for (e, m), n in confusions.most_common(10)],
        tags={t: _binary(expected_tags[t], mined_tags[t]) for t in expected_tags},
        side_recall=sum(side_hits) / max(len(side_hits), 1),
        twins=twins,
    )


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{100 * value:5.1f}%"


def format_agreement(report: AgreementReport) -> str:
    lines = [f"agreement with the manifest ({report.clips} clips, {report.captions} captions):",
             f"  theme {_pct(report.theme_overall)}   first action {_pct(report.action_overall)}"]
    for theme, entry in report.theme_per_theme.items():
        lines.append(f"    {theme:<14} {entry['captions']:>6} captions  {_pct(entry['agreement'])}")
    if report.confusions:
        lines.append("  most frequent confusions (expected -> mined): "
                     + ", ".join(f"{e}->{m} {n}" for e, m, n in report.confusions[:6]))
    lines.append("  tags        accuracy precision recall")
    for tag, value in report.tags.items():
        lines.append(f"    {tag:<11} {_pct(value.accuracy)}  {_pct(value.precision)}  {_pct(value.recall)}")
    lines.append(f"  side: every phase's side named in {_pct(report.side_recall)} of sided captions")
    for contrast, entry in report.twins.items():
        lines.append(f"  contrast twins ({contrast}): labels tell {_pct(entry['told_apart'])} of {entry['pairs']}"
                     " caption pairs apart")
    return "\n".join(lines)
