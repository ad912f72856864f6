"""The words of the prompt space: actions (grouped into coarse themes) and fine tags, as lemma patterns.

A pattern is a phrase of base-form words; a caption token matches a pattern word when one of the
token's lemmas (lemminflect, every part of speech) is that word, so "hugged", "hugging" and "hugs"
all match "hug". ``*`` in a pattern skips up to ``GAP`` tokens ("shake * hand" matches "shakes the
other person's hand"). Longer patterns win: their tokens are taken first, so "give * high five" is a
celebration, not the "give" of handing an object over.

Each action also carries the phrases the description sampler builds from (what the initiator does,
how the responder reacts, what both do together) and whether it has a side (a hand or leg) and
body contact. The lexicon is transparent on purpose: a user with other captions sees which words
decide a label, and the mined space lists the frequent words it misses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lemminflect import getAllLemmas, getInflection

GAP = 5  # most tokens a "*" in a pattern skips

UNTHEMED = "other"  # the theme of a caption no action pattern matches

# Coarse themes, in the order they are listed; "locomotion" only decides a caption that has no other
# theme (walking up to someone is the prelude of most interactions, not their point).
THEMES = ("greeting", "celebration", "affection", "conflict", "sport", "help", "dance", "imitation",
          "communication", "locomotion")
BACKGROUND_THEME = "locomotion"


@dataclass(frozen=True)
class Action:
    name: str
    theme: str
    patterns: tuple[str, ...]
    initiator: str                 # predicate of the initiator; "{o}" the partner, "{with}" where a side goes
    reaction: str                  # predicate of the responder
    together: str | None = None    # plural predicate for "both people ..." (None: not a joint action)
    limb: str | None = None        # "hand" or "leg" when the action has a side
    contact: bool = False          # the persons touch


ACTIONS: tuple[Action, ...] = (
    # greeting
    Action("wave", "greeting", ("wave",), "waves at {o}", "waves back", "wave at each other", "hand"),
    Action("bow", "greeting", ("bow",), "bows to {o}", "bows back", "bow to each other"),
    Action("handshake", "greeting", ("shake * hand", "shake hand", "handshake"),
           "reaches out{with} and shakes hands with {o}", "shakes hands with {o}", "shake hands", "hand", True),
    Action("greet", "greeting", ("greet", "salute", "nod"), "greets {o}", "nods at {o} in return", "greet each other"),
    # celebration
    Action("high_five", "celebration", ("high five", "give * high five", "high fives"), "gives {o} a high five",
           "returns the high five", "give each other a high five", "hand", True),
    Action("cheer", "celebration", ("cheer", "celebrate", "clap", "fist bump"), "cheers and claps at {o}",
           "celebrates with {o}", "celebrate together"),
    # affection
    Action("hug", "affection", ("hug", "embrace", "cuddle"), "hugs {o}", "hugs {o} back", "hug each other",
           contact=True),
    Action("comfort", "affection", ("comfort", "console", "pat"), "pats {o} on the shoulder",
           "lowers the head and is comforted", None, "hand", True),
    # conflict
    Action("punch", "conflict", ("punch", "hit", "strike", "slap", "punch * in the"), "punches {o}",
           "is hit and staggers backward", None, "hand", True),
    Action("push", "conflict", ("push", "shove"), "pushes {o} away", "stumbles backward", "push each other",
           contact=True),
    Action("kick", "conflict", ("kick",), "kicks at {o}", "dodges the kick", None, "leg"),
    Action("grab_pull", "conflict", ("grab", "seize", "drag", "pull * along", "take * by the * wrist"),
           "grabs {o} by the wrist{with} and pulls", "is dragged forward", None, "hand", True),
    Action("fight", "conflict", ("fight", "attack", "brawl", "wrestle", "threaten"), "attacks {o}", "fights back",
           "fight each other"),
    # sport and play
    Action("sparring", "sport", ("spar", "jab", "boxing", "put up * guard"), "spars with {o}, throwing jabs",
           "blocks and jabs back", "spar with each other", "hand"),
    Action("tug_of_war", "sport", ("tug of war", "rope"), "pulls on a rope against {o} in a tug of war",
           "leans back holding the rope", "play tug of war"),
    Action("ball", "sport", ("ball", "catch", "throw * ball", "basketball", "football", "soccer", "tennis"),
           "throws a ball to {o}", "catches the ball", "play catch", "hand"),
    # help
    Action("hand_over", "help", ("hand * object", "hand over", "give", "pass", "receive", "take it"),
           "hands an object to {o}", "takes the object", None, "hand"),
    Action("help_up", "help", ("help * up", "pull * up", "help * get up", "help * stand"), "helps {o} get up",
           "takes the offered hand and stands up", None, "hand", True),
    Action("carry", "help", ("carry", "lift * box", "pick up * object", "support", "assist"),
           "lifts a box and carries it with {o}", "holds the other end of the box", "carry a box together"),
    # dance
    Action("dance", "dance", ("dance", "waltz", "twirl"), "dances with {o}", "dances along", "dance together"),
    Action("hold_hands_circle", "dance", ("hold hand", "take both * hand", "spin"),
           "holds hands with {o} and spins around", "spins along holding hands", "hold hands and spin",
           contact=True),
    # imitation
    Action("mirror", "imitation", ("mirror", "imitate", "copy", "mimic"),
           "moves the arms for {o} to copy", "mirrors the movements", None),
    # communication
    Action("point", "communication", ("point",), "points to the side", "turns to look where the gesture points",
           None, "hand"),
    Action("beckon", "communication", ("beckon", "gesture", "call * over"), "beckons {o} over", "walks over",
           None, "hand"),
    Action("talk", "communication", ("talk", "speak", "chat", "discuss", "argue", "explain"),
           "talks to {o}", "listens to {o}", "talk to each other"),
    # locomotion
    Action("approach", "locomotion", ("approach", "walk * toward", "walk * up to", "come * closer", "walk * over",
                                      "step * toward", "move * toward"),
           "walks toward {o}", "waits for {o}"),
    Action("retreat", "locomotion", ("walk * away", "back away", "retreat", "step back", "move * away",
                                     "go * away", "step * backward"),
           "walks away from {o}", "watches {o} leave"),
    Action("follow", "locomotion", ("follow", "chase", "lead the way"), "walks off", "follows {o}"),
    Action("circle", "locomotion", ("circle", "walk * around", "go around"), "walks in a circle around {o}",
           "turns to keep facing {o}"),
    Action("side_by_side", "locomotion", ("side by side", "walk * beside", "walk * together"), "walks beside {o}",
           "keeps pace with {o}", "walk side by side"),
    Action("run", "locomotion", ("run", "jog", "sprint"), "runs toward {o}", "waits for {o}"),
)
ACTIONS_BY_NAME = {a.name: a for a in ACTIONS}


@dataclass(frozen=True)
class TagAxis:
    name: str
    values: dict[str, tuple[str, ...]]  # tag value -> its patterns


SIDE_PARTS = ("hand", "arm", "leg", "foot", "wrist", "fist", "forearm", "shoulder", "elbow", "knee", "handed",
              "footed", "kick", "punch", "jab", "hook", "side", "palm")


def _side_patterns(side: str) -> tuple[str, ...]:
    return (*(f"{side} {part}" for part in SIDE_PARTS), f"to the {side}", f"on the {side}", f"{side}ward",
            f"{side} and", f"{side} one")


TAG_AXES: tuple[TagAxis, ...] = (
    TagAxis("speed", {"fast": ("quickly", "fast", "quick", "rapidly", "swiftly", "hurriedly", "hastily", "briskly",
                               "in a hurry"),
                      "slow": ("slowly", "slow", "leisurely", "gradually", "step by step")}),
    TagAxis("intensity", {"intense": ("forcefully", "hard", "violently", "fiercely", "aggressively", "strongly",
                                      "powerfully", "vigorously", "heavily", "angrily", "deeply", "with force"),
                          "gentle": ("gently", "softly", "lightly", "tenderly", "carefully", "calmly", "slightly")}),
    TagAxis("synchrony", {"synchronous": ("together", "simultaneously", "at the same time", "in unison", "in sync",
                                          "each other", "both people", "both persons", "both of them", "two people",
                                          "two persons", "the two", "side by side"),
                          "reciprocal": ("wave back", "bow back", "hug * back", "jab back", "fight back", "in return",
                                         "in response", "respond", "react", "reciprocate", "return")}),
    TagAxis("side", {"left": _side_patterns("left"), "right": _side_patterns("right")}),
    TagAxis("contact", {"contact": ("touch", "hold hand", "grab", "seize", "hug", "embrace", "kiss", "pat",
                                    "shake * hand", "shake hand", "push", "shove", "slap", "high five", "take * hand",
                                    "by the * wrist", "hold on", "lean on", "hit", "punch * in the", "land * punch",
                                    "carry * on")}),
    TagAxis("order", {"sequential": ("then", "after that", "afterwards", "finally", "in the end", "later",
                                     "followed by", "before", "after"),
                      "repeated": ("again", "repeatedly", "several times", "twice", "multiple times",
                                   "back and forth")}),
)
TAG_AXIS_OF = {value: axis.name for axis in TAG_AXES for value in axis.values}
TAG_ORDER = tuple(TAG_AXIS_OF)  # canonical order of tags in a label

# Words that name the persons, not what they do (never reported as uncovered content words).
PERSON_WORDS = frozenset({"person", "people", "persons", "other", "first", "second", "partner", "someone", "man",
                          "woman", "men", "women", "guy", "boy", "girl", "individual", "pair", "another", "he",
                          "she", "his", "her", "him", "they", "them", "their", "opponent", "friend"})

_TOKEN = re.compile(r"[a-z]+")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (punctuation and the possessive "s" dropped)."""
    return [t for t in _TOKEN.findall(text.lower()) if t != "s"]


@cache
def lemmas(word: str) -> frozenset[str]:
    """The word and every lemma lemminflect knows for it (any part of speech)."""
    found = {word}
    for forms in getAllLemmas(word).values():
        found.update(forms)
    return frozenset(found)


def lemma(word: str) -> str:
    """One canonical lemma (verb reading first, as captions are about actions)."""
    table = getAllLemmas(word)
    for pos in ("VERB", "NOUN", "ADJ", "ADV"):
        if pos in table:
            return table[pos][0]
    return word


def third_person(verb: str) -> str:
    """"hug" -> "hugs", "stepping" -> "steps": a verb as the predicate of "a person"."""
    table = getAllLemmas(verb)
    if "VERB" not in table:
        return verb
    base = table["VERB"][0]
    if verb not in (base,) and not verb.endswith("ing"):
        return verb  # already inflected (past tense, -s form)
    forms = getInflection(base, tag="VBZ")
    return forms[0] if forms else verb


def is_verb(word: str) -> bool:
    return "VERB" in getAllLemmas(word)


Pattern = tuple[str, ...]


@cache
def _compile(pattern: str) -> Pattern:
    """"shake * hand" -> ("shake", "*", "hand"); hyphenated words split like caption tokens."""
    return tuple(word for piece in pattern.split() for word in (["*"] if piece == "*" else tokenize(piece)))


def _match_at(words: Pattern, token_lemmas: list[frozenset[str]], start: int) -> list[int] | None:
    """Indices of the literal tokens matched by ``words`` starting at ``start``, or None."""
    taken, i = [], start
    k = 0
    while k < len(words):
        word = words[k]
        if word == "*":
            nxt = words[k + 1]
            for j in range(i, min(i + GAP + 1, len(token_lemmas))):
                if nxt in token_lemmas[j]:
                    i = j
                    break
            else:
                return None
            k += 1
            continue
        if i >= len(token_lemmas) or word not in token_lemmas[i]:
            return None
        taken.append(i)
        i += 1
        k += 1
    return taken


def find(patterns: dict[str, tuple[str, ...]], tokens: list[str]) -> list[tuple[int, str, tuple[int, ...]]]:
    """Non-overlapping matches (start token, key, matched token indices), in caption order.

    ``patterns`` maps a key (an action or a tag value) to its phrases; longer phrases take their tokens first.
    """
    token_lemmas = [lemmas(t) for t in tokens]
    starts: dict[str, list[int]] = {}
    for i, forms in enumerate(token_lemmas):
        for form in forms:
            starts.setdefault(form, []).append(i)
    candidates = []
    for key, phrases in patterns.items():
        for phrase in phrases:
            words = _compile(phrase)
            literal = sum(w != "*" for w in words)
            for start in starts.get(words[0], ()):  # a pattern can only start where its first word is
                taken = _match_at(words, token_lemmas, start)
                if taken:
                    candidates.append((-literal, start, key, tuple(taken)))
    used: set[int] = set()
    accepted = []
    for _, start, key, taken in sorted(candidates):
        if used.isdisjoint(taken):
            used.update(taken)
            accepted.append((start, key, taken))
    return sorted(accepted)


ACTION_PATTERNS = {a.name: a.patterns for a in ACTIONS}
TAG_PATTERNS = {value: phrases for axis in TAG_AXES for value, phrases in axis.values.items()}


def lexicon_words() -> frozenset[str]:
    """Every word the lexicon uses (for telling which caption words it does not cover)."""
    phrases = [p for a in ACTIONS for p in a.patterns] + [p for ps in TAG_PATTERNS.values() for p in ps]
    return frozenset(w for p in phrases for w in tokenize(p))


# Single-person actions of the solo corpus (``data.procedural.solo``): the broad vocabulary the description
# sampler draws single-person parts from (the language prior the paper's LLM provides). These patterns
# tell whether a caption names the action, so the mined space can say which of them the two-person
# captions never name (``PromptSpace.solo_action_counts``).
SOLO_PATTERNS: dict[str, tuple[str, ...]] = {
    "jump_in_place": ("jump * in place", "jump up and down", "jump straight up"),
    "jump_direction": ("jump * forward", "jump * backward", "jump * to the", "leap", "jump * with both foot"),
    "jumping_jacks": ("jumping jack",),
    "hop_on_one_foot": ("hop",),
    "spin": ("spin around", "do a spin", "spin * to the", "spin * in a full circle"),
    "turn_around": ("turn * around", "face the other way"),
    "walk": ("walk forward", "walk backward", "walk sideways", "walk * a few step", "take a short walk"),
    "run": ("run", "sprint"),
    "sidestep": ("sidestep", "side step", "step sideways"),
    "march_in_place": ("march",),
    "jog_in_place": ("jog * in place", "jog * on the spot"),
    "squat": ("squat",),
    "crouch": ("crouch",),
    "lunge": ("lunge",),
    "kneel": ("kneel", "go down on one knee"),
    "touch_toes": ("toe",),
    "stomp": ("stomp",),
    "balance_on_one_leg": ("balance on", "balance * on", "stand on one leg"),
    "pick_up": ("pick * up", "pick up"),
    "clap": ("clap",),
    "arm_circles": ("arm circle", "circle * backward", "circle * forward"),
    "stretch_up": ("stretch * up", "reach up", "arm overhead and stretch"),
    "side_stretch": ("side stretch", "stretch to the"),
    "cheer": ("cheer",),
    "fist_pump": ("fist pump", "pump * fist", "pump it"),
    "salute": ("salute",),
    "shrug": ("shrug",),
    "cross_arms": ("cross * arm", "fold * arm", "arm crossed"),
    "hands_on_hips": ("on the hip",),
    "look_around": ("look around", "look * around", "look left and right", "look right and left", "look to the"),
    "nod": ("nod",),
    "shake_head": ("shake * head",),
    "shadow_box": ("shadow box", "box the air", "punch the air"),
    "throw": ("throw",),
    "catch": ("catch",),
    "sway": ("sway",),
    "grapevine": ("grapevine",),
}


def solo_actions_named(text: str) -> tuple[str, ...]:
    """The solo actions a caption names, in caption order."""
    return tuple(dict.fromkeys(key for _, key, _ in find(SOLO_PATTERNS, tokenize(text))))
