"""Stage 3, the splitter: a two-person description -> (initiator's prompt, responder's prompt).

Rule-based by default. Captions name persons by role, never by file order: "one person", "a person",
"the first person", "that person" are the initiator; "the other (person)", "the second person", "the
partner", "another person" the responder; "both", "two people", "they" and "X and Y" both of them
("each" too: "each of the two people jumps"). The description is cut into phases at order words
("then", "after that", "finally", a full stop) and each phase into clauses at a conjunction or comma
that is followed by a person (", and the other person ...", " while the other ...", ", who ..."). A
clause without a person continues the previous one's; one that only says the persons act at once
("both people act together") is dropped, and one that copies the partner ("the other copies them",
"then does the same") takes the partner's last predicate. What a clause says of its subject goes to
that person's prompt, with the partner written "someone" (as the per-person captions do); a phase in
which one person does nothing explicit gives that person the lexicon's reaction to the phase's
action. Every person's clauses are joined in order into "a person ..., then ...".

A description that cannot be split returns a ``Split`` with ``reason`` set (never dropped); the
reasons are the ``REASONS`` below. ``measure_splitter`` scores the splits against the per-person
captions of the procedural set.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lemminflect import getAllLemmas

from t2i_core.compose.interfaces import SplitFailure
from t2i_core.compose.language_model import LocalLanguageModel
from t2i_core.compose.lexicon import (
    ACTION_PATTERNS,
    ACTIONS_BY_NAME,
    BACKGROUND_THEME,
    SOLO_PATTERNS,
    find,
    is_verb,
    lemma,
    third_person,
    tokenize,
)

EMPTY = "empty"                              # nothing but blanks
NO_PERSON = "no_person"                      # no person is named ("a dog runs")
ONE_PERSON = "one_person_only"               # only one of the two persons is named
NO_SUBJECT = "no_subject"                    # the first clause says nobody's action
NO_INITIATOR_ACTION = "no_initiator_action"  # the initiator ends up with nothing to do
NO_RESPONDER_ACTION = "no_responder_action"  # the responder neither acts nor reacts to a known action
LM_EMPTY = "language_model_empty"            # the language model wrote nothing
REASONS = (EMPTY, NO_PERSON, ONE_PERSON, NO_SUBJECT, NO_INITIATOR_ACTION, NO_RESPONDER_ACTION, LM_EMPTY)

INITIATOR, RESPONDER, BOTH = 1, 2, 0

_ROLE_WORDS = {
    INITIATOR: ("the first person", "the first one", "the first", "one person", "a person", "one of them",
                "person a", "that person", "this person", "one man", "a man", "one woman", "a woman",
                "one individual", "an individual"),
    RESPONDER: ("the other person", "the second person", "the other one", "the second one", "the other man",
                "the other woman", "the other individual", "the second", "the other", "another person",
                "the partner", "his partner", "her partner", "their partner", "person b"),
    BOTH: ("both people", "both persons", "both of them", "the two people", "the two persons", "two people",
           "two persons", "the two", "the pair", "the couple", "both", "they", "the two of them",
           "each of the two people", "each of the two persons", "each of them", "each person", "each"),
}
_REF_ROLE = {phrase: role for role, phrases in _ROLE_WORDS.items() for phrase in phrases}
_REF = "|".join(sorted(map(re.escape, _REF_ROLE), key=len, reverse=True))
_REF_AT = re.compile(rf"(?:{_REF})\b")
_SUBJECT = re.compile(rf"^(?P<a>{_REF})(?:\s+and\s+(?P<b>{_REF}))?\b(?:'s)?\s*,?\s*")
_CONNECTIVE = re.compile(r"^(?:and|while|as|whereas|but|when|until|meanwhile|then|first|at the same time|"
                         r"at first|now)\b[,]?\s*")
# Order words start a new phase.
_PHASE = re.compile(r"(?:\.\s+|[,;]?\s*\b(?:and\s+)?(?:then|after that|afterwards|afterward|finally|in the end|"
                    r"later|eventually)\b(?!\s+to\b),?\s*)")  # "looks left and then to the right" is one phase
# A clause starts at a comma, semicolon or conjunction that a person follows; ", who" refers back.
_SAME_TIME = r"(?:(?:at the same time|meanwhile|in turn|in response|in return),?\s+)?"
_CLAUSE = re.compile(rf"(?:[,;]\s*(?:and\s+|while\s+|as\s+|but\s+|whereas\s+)?{_SAME_TIME}|"
                     rf"\s+(?:and|while|as|whereas|but|when|until)\s+{_SAME_TIME})(?=(?:{_REF})\b(?!'s))|,\s*(?=who\b)")
# The partner inside a clause ("the first left jab" is no person, so bare "the first/second" are left alone).
_ONE_PERSON = "|".join(sorted((re.escape(p) for p in _ROLE_WORDS[INITIATOR] + _ROLE_WORDS[RESPONDER]
                               if p not in ("the first", "the second")), key=len, reverse=True))
_PARTNER = re.compile(rf"\b(?:{_ONE_PERSON}|each other|one another|him|them)\b"
                      r"(?!\s+(?:way|side|direction|hand|arm|foot|leg)\b)")  # "the other way" is no person
_ONLY_REF = re.compile(rf"^(?:{_REF})$")
# A clause that only says the persons act at once ("both people act together, and each jumps"): no action.
_NO_ACTION = re.compile(r"^(?:act|acts|move|moves|do it|does it)(?: together| in unison| at the same time| in sync)+$")
# A clause that copies the partner ("and the other copies them", "then does the same"): the partner's action.
_COPY = re.compile(rf"^(?:(?:copies|mimics|imitates|repeats) (?:{_ONE_PERSON}|them|him|her|it|the action)|"
                   r"does the same(?: thing)?|follows suit|copies)$")


@dataclass(frozen=True)
class Split:
    description: str
    prompt1: str | None = None   # the initiator's single-person prompt
    prompt2: str | None = None   # the responder's
    reason: str | None = None    # why it could not be split (one of REASONS), None when it was

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass
class SplitBatch:
    splits: list[Split]
    failures: dict[str, int] = field(default_factory=dict)   # reason -> descriptions

    @property
    def split_count(self) -> int:
        return sum(s.ok for s in self.splits)


def _normalise(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"\beach other\b", "one another", text).replace(":", ",")  # "each" alone names both persons
    return re.sub(r"(?<=\w)-(?=\w)", " ", text).rstrip(" .!")  # "high-five" reads as "high five"


def _third_person_predicate(predicate: str, plural: bool) -> str:
    """The first verb (after adverbs) as the verb of "a person"; for a plural subject every verb after "and"."""
    words = predicate.split(" ")
    for i, word in enumerate(words):
        table = getAllLemmas(word)
        if "VERB" in table:
            words[i] = third_person(word)
            break
        if not ("ADV" in table or word == "and"):
            return "is " + predicate  # no verb first: "on the left of someone" -> "is on the left of someone"
    if plural:
        for i in range(1, len(words)):
            if words[i - 1] == "and" and is_verb(words[i]) and lemma(words[i]) == words[i]:
                words[i] = third_person(words[i])
    return " ".join(words)


def _partner_as_someone(predicate: str) -> str:
    return _PARTNER.sub("someone", predicate)


@dataclass
class _Clause:
    phase: int
    role: int
    predicate: str


def _copied(clauses: list[_Clause], role: int) -> str | None:
    """What the partner of ``role`` last did (for "the other copies them"), or None."""
    for clause in reversed(clauses):
        if clause.role not in (role, BOTH):
            return clause.predicate
    return None


def _clauses(text: str) -> tuple[list[_Clause], str | None]:
    clauses: list[_Clause] = []
    subject: int | None = None
    for phase, phase_text in enumerate(p for p in _PHASE.split(text) if p and p.strip(" ,;")):
        pieces = []
        for piece in _CLAUSE.split(phase_text.strip(" ,;")):
            piece = _CONNECTIVE.sub("", piece.strip(" ,;"))
            if pieces and _ONLY_REF.match(pieces[-1]):
                piece = f"{pieces.pop()} and {piece}"  # "the first person and the second person hold hands"
            if piece:
                pieces.append(piece)
        last_ref: int | None = None
        lead = ""  # a leading phrase without a person ("holding hands with the other,") joins the next clause
        for piece in pieces:
            if piece.startswith("who "):
                role, predicate = last_ref, piece[4:]
            elif (match := _SUBJECT.match(piece)) is not None:
                first, second = _REF_ROLE[match["a"]], _REF_ROLE.get(match["b"] or "")
                role = BOTH if second is not None and second != first else first
                predicate = piece[match.end():]
            elif subject is None and not lead:
                lead = piece
                continue
            else:
                role, predicate = subject, piece
            if lead:
                predicate, lead = f"{predicate}, {lead}", ""
            if role is None:
                return clauses, NO_SUBJECT
            refs = [_REF_ROLE[m.group(0)] for m in _REF_AT.finditer(piece)]
            last_ref = refs[-1] if refs else role
            subject = role
            predicate = predicate.strip(" ,;")
            if _COPY.match(predicate):
                predicate = _copied(clauses, role) or predicate
            if predicate and not _NO_ACTION.match(predicate):
                clauses.append(_Clause(phase, role, predicate))
        if lead:
            return clauses, NO_SUBJECT
    return clauses, None


def _solo_worded(texts: list[str]) -> bool:
    """Whether the phase's two-person action is only read from the words of a solo action ("spins around"
    is a solo spin, not the dance of holding hands and spinning), so no partner reaction follows from it."""
    tokens = tokenize(" ".join(texts))
    solo = {i for _, _, taken in find(SOLO_PATTERNS, tokens) for i in taken}
    found = [(key, set(taken)) for _, key, taken in find(ACTION_PATTERNS, tokens)]
    themed = [taken for key, taken in found if ACTIONS_BY_NAME[key].theme != BACKGROUND_THEME] or \
        [taken for _, taken in found]
    return bool(solo) and bool(themed) and themed[0] <= solo


def _phase_action(texts: list[str]) -> str | None:
    """The first non-walking lexicon action the phase's clauses name (else the first action)."""
    found = [key for _, key, _ in find(ACTION_PATTERNS, tokenize(" ".join(texts)))]
    for name in found:
        if ACTIONS_BY_NAME[name].theme != BACKGROUND_THEME:
            return name
    return found[0] if found else None


def split_description(description: str) -> Split:
    """Rule-based split of one description into the initiator's and the responder's prompts."""
    text = _normalise(description)
    if not text:
        return Split(description, reason=EMPTY)
    mentioned = {_REF_ROLE[m.group(0)] for m in _REF_AT.finditer(text)}
    if not mentioned:
        return Split(description, reason=NO_PERSON)
    if mentioned == {INITIATOR} or mentioned == {RESPONDER}:
        return Split(description, reason=ONE_PERSON)
    clauses, failure = _clauses(text)
    if failure is not None:
        return Split(description, reason=failure)
    phases = sorted({c.phase for c in clauses})
    actions = {p: _phase_action([c.predicate for c in clauses if c.phase == p]) for p in phases}
    per_role: dict[int, list[str]] = {INITIATOR: [], RESPONDER: []}
    # A phase of a solo action ("one person squats, then the other claps") needs no partner reaction: the
    # lexicon's is only given when the person would otherwise be left with nothing to do.
    postponed: dict[int, list[str]] = {INITIATOR: [], RESPONDER: []}
    solo_phases = {p for p in phases if _solo_worded([c.predicate for c in clauses if c.phase == p])}
    for phase in phases:
        in_phase = [c for c in clauses if c.phase == phase]
        for role in (INITIATOR, RESPONDER):
            own = [c for c in in_phase if c.role in (role, BOTH)]
            if own:
                parts = [_third_person_predicate(_partner_as_someone(c.predicate), c.role == BOTH) for c in own]
                per_role[role].append(" and ".join(parts))
                continue
            # The lexicon's reaction, unless this person's own clause in another phase already answers the
            # same action ("one person waves, then the other waves back").
            action = actions[phase]
            answered = any(actions[q] == action and any(c.phase == q and c.role in (role, BOTH) for c in clauses)
                           for q in phases if q != phase)
            if action is not None and not answered:
                (postponed if phase in solo_phases else per_role)[role].append(
                    ACTIONS_BY_NAME[action].reaction.format(o="someone"))
    for role in (INITIATOR, RESPONDER):
        if not per_role[role]:
            per_role[role] = postponed[role]
    if not per_role[INITIATOR]:
        return Split(description, reason=NO_INITIATOR_ACTION)
    if not per_role[RESPONDER]:
        return Split(description, reason=NO_RESPONDER_ACTION)
    prompt1, prompt2 = ("a person " + ", then ".join(per_role[r]) + "." for r in (INITIATOR, RESPONDER))
    return Split(description, prompt1, prompt2)


class LanguageModelSplitter:
    """Splits with a local causal language model (see ``language_model.load_language_model``)."""

    PROMPT = ("Rewrite a two-person description as what each person does alone, each starting with "
              "\"a person\".\nDescription: one person waves, and the other person waves back.\n"
              "Person 1: a person waves.\nPerson 2: a person waves back.\nDescription: {text}\nPerson {n}: a person")

    def __init__(self, language_model: LocalLanguageModel, seed: int = 0):
        self.language_model, self.seed = language_model, seed

    def __call__(self, description: str) -> Split:
        text = _normalise(description)
        if not text:
            return Split(description, reason=EMPTY)
        prompts = []
        for n in (1, 2):
            completion = self.language_model.complete(self.PROMPT.format(text=text, n=n), seed=self.seed + n)
            completion = completion.split("Person")[0].strip()
            if not completion:
                return Split(description, reason=LM_EMPTY)
            prompts.append(f"a person {completion}")
        return Split(description, prompts[0], prompts[1])


def split_batch(descriptions: list[str], splitter=split_description) -> SplitBatch:
    """Every description split (failures kept in place), with the count of failures per reason."""
    splits = [splitter(d) for d in descriptions]
    return SplitBatch(splits, dict(Counter(s.reason for s in splits if not s.ok)))


# -- measurement on the procedural set -----------------------------------------------------------

@dataclass
class SplitterReport:
    clips: int
    descriptions: int
    split: int
    failures: dict[str, int]
    cosine_right: float      # mean over split prompts: MiniLM cosine to the right person's captions (best line)
    cosine_swapped: float    # the same against the other person's captions
    cosine_unsplit: float    # baseline: the whole description against each person's captions
    f1_right: float          # word-overlap F1 (content lemmas) to the right person's captions (best line)
    f1_swapped: float
    role_pairs: int          # split descriptions whose two persons have different captions
    role_accuracy: float     # share of those where the right assignment scores above the swapped one

    @property
    def share_split(self) -> float:
        return self.split / max(self.descriptions, 1)


def _content(text: str) -> Counter:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    keep = {"left", "right", "back", "up", "down", "away", "around", "forward", "together", "both"}
    return Counter(lemma(t) for t in tokenize(text)
                   if (t not in ENGLISH_STOP_WORDS or t in keep) and t not in ("person", "someone"))


def word_f1(produced: str, reference: str) -> float:
    """F1 of the content-lemma multisets of two texts."""
    a, b = _content(produced), _content(reference)
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def clip_initiator(record: dict) -> int:
    """The person (1 or 2) whom a clip's captions call "one person": the initiator of its first phase
    on the base set, the actor of its first step that names somebody on an OOD build ("both do X"
    names nobody; its persons' captions are alike, so either role fits)."""
    for phase in record["phases"]:
        if phase.get("relation") == "together":
            continue
        return int(phase["person"] if "person" in phase else phase["initiator"])
    return 1


def measure_splitter(root: str | Path, encoder=None, max_clips: int = 300, seed: int = 0,
                     splitter=split_description) -> SplitterReport:
    """Split the captions of up to ``max_clips`` procedural clips (a seeded sample) and score the prompts.

    ``root``: a base or an OOD build (``build_dataset --vocabulary ood``). ``encoder``: a TextEncoder
    (default ``build_text_encoder("minilm")``). The initiator of a clip is ``clip_initiator``.
    """
    from t2i_core.compose.space import read_manifest_records
    from t2i_core.data.layout import InterHumanLayout

    records = read_manifest_records(root)
    if records is None:
        raise FileNotFoundError(f"no manifest.json in {root}: the splitter is measured on the procedural set")
    layout = InterHumanLayout.open(root)
    usable = [r for r in records if layout.caption_file(r["id"]).is_file() and layout.individual_captions(r["id"])]
    if not usable:
        raise FileNotFoundError(f"no clip in {root} has both annots/ and annots_individual/ captions")
    order = np.random.default_rng(seed).permutation(len(usable))[:max_clips]
    chosen = [usable[i] for i in sorted(order)]
    if encoder is None:
        from t2i_core.text.registry import build_text_encoder

        encoder = build_text_encoder("minilm")
    items = []  # (description, split, initiator lines, responder lines)
    for record in chosen:
        person_lines = layout.individual_captions(record["id"])
        initiator = clip_initiator(record)
        own, other = person_lines[initiator - 1], person_lines[2 - initiator]
        for text in layout.captions(record["id"]):
            items.append((text, splitter(text), own, other))
    texts = sorted({t for d, s, a, b in items for t in (d, *a, *b, *((s.prompt1, s.prompt2) if s.ok else ()))})
    index = {t: i for i, t in enumerate(texts)}
    pooled = np.concatenate([encoder.encode(texts[i:i + 256]).pooled.float().numpy()
                             for i in range(0, len(texts), 256)])

    def best(text: str, lines: list[str]) -> float:
        return float(max(pooled[index[text]] @ pooled[index[line]] for line in lines))

    def best_f1(text: str, lines: list[str]) -> float:
        return max(word_f1(text, line) for line in lines)

    right, swapped, unsplit, f1_right, f1_swapped, roles = [], [], [], [], [], []
    for description, split, own, other in items:
        unsplit += [best(description, own), best(description, other)]
        if not split.ok:
            continue
        r = (best(split.prompt1, own) + best(split.prompt2, other)) / 2
        s = (best(split.prompt1, other) + best(split.prompt2, own)) / 2
        right.append(r)
        swapped.append(s)
        f1_right.append((best_f1(split.prompt1, own) + best_f1(split.prompt2, other)) / 2)
        f1_swapped.append((best_f1(split.prompt1, other) + best_f1(split.prompt2, own)) / 2)
        if set(own) != set(other):
            roles.append(r > s)
    failures = Counter(s.reason for _, s, _, _ in items if not s.ok)

    def mean(values: list) -> float:
        return float(np.mean(values)) if values else float("nan")

    return SplitterReport(clips=len(chosen), descriptions=len(items), split=len(right), failures=dict(failures),
                          cosine_right=mean(right), cosine_swapped=mean(swapped), cosine_unsplit=mean(unsplit),
                          f1_right=mean(f1_right), f1_swapped=mean(f1_swapped), role_pairs=len(roles),
                          role_accuracy=mean(roles))


def format_splitter_report(report: SplitterReport) -> str:
    failures = ", ".join(f"{k} {v}" for k, v in sorted(report.failures.items())) or "none"
    return "\n".join([
        f"splitter on {report.clips} procedural clips ({report.descriptions} captions):",
        f"  split {report.split} ({100 * report.share_split:.1f}%); failures: {failures}",
        f"  MiniLM cosine to the right person's captions {report.cosine_right:.3f}, to the other's "
        f"{report.cosine_swapped:.3f} (whole description, unsplit: {report.cosine_unsplit:.3f})",
        f"  word-overlap F1 right {report.f1_right:.3f}, swapped {report.f1_swapped:.3f}",
        f"  initiator/responder assigned right in {100 * report.role_accuracy:.1f}% of {report.role_pairs} splits "
        "whose persons' captions differ",
    ])


class RunSplitter:
    """The run's ``Splitter``: a description -> ``Split`` function as (prompt1, prompt2) or ``SplitFailure``."""

    def __init__(self, splitter=split_description):
        self.splitter = splitter

    def split(self, text: str) -> tuple[str, str] | SplitFailure:
        result = self.splitter(text)
        if not result.ok:
            return SplitFailure(result.reason)
        return result.prompt1, result.prompt2
