"""Captions in InterHuman's style: three paraphrases per clip and per-person descriptions.

Roles, not file order: the person who acts first in the clip is "one person" / "the first
person" / "a person" and the other "the other person" / "the second person" / "the other", so a
reader that swaps persons keeps captions true. Every clause names the phase's action, the side
(left/right) of the hand or leg used, the manner (slowly/quickly) and, for multi-phase clips,
the order ("then", "after that", "finally"). ``KEYWORDS`` lets tests check that captions match
the phases.
"""

from __future__ import annotations

from t2i_core.data.procedural.interactions import SIDES, PhaseSpec

# (first person, other person) references per paraphrase.
NAMES = (("one person", "the other person"), ("the first person", "the second person"), ("a person", "the other"))
LATER_FIRST = ("the first person", "the first person", "that person")

# At least one of these words appears in every caption clause of the phase type.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "approach": ("walk", "approach"), "retreat": ("away",), "circle": ("around", "circle"),
    "follow": ("follow",), "side_by_side": ("side by side",), "handshake": ("shake",),
    "wave": ("wave",), "bow": ("bow",), "hug": ("hug", "embrace"), "high_five": ("high five",),
    "punch": ("punch",), "push": ("push", "shove"), "kick": ("kick",), "grab_pull": ("pull",),
    "hand_over": ("hand", "give", "pass"), "help_up": ("up",), "carry": ("carr",),
    "hold_hands_circle": ("hold hands", "holding hands"), "mirror": ("mirror",), "sparring": ("spar",),
    "tug_of_war": ("tug of war", "tug-of-war"), "point": ("point",), "beckon": ("beckon", "gestures"),
}


def other(side: str) -> str:
    return SIDES[1 - SIDES.index(side)]


def _adv(spec: PhaseSpec) -> str:
    return "" if spec.speed == "normal" else " " + spec.speed


def clause(spec: PhaseSpec, x: str, y: str, k: int) -> str:
    """One phase as a clause with subject ``x`` (initiator) and ``y`` (responder), paraphrase k."""
    o, a, side = spec.options, _adv(spec), spec.side or "right"
    kind = spec.kind
    if kind == "approach":
        return (f"{x} walks{a} toward {y}", f"{x}{a} approaches {y}", f"{x} walks{a} up to {y}")[k]
    if kind == "retreat":
        if o.get("style") == "backward":
            return (f"{x} steps backward away from {y}{a}", f"{x}{a} backs away from {y}",
                    f"{x} moves{a} away from {y} walking backward")[k]
        return (f"{x} turns and walks{a} away from {y}", f"{x}{a} walks away from {y}",
                f"{x} turns around and goes{a} away from {y}")[k]
    if kind == "circle":
        d = o.get("direction", "clockwise")
        return (f"{x} walks{a} {d} around {y}", f"{x}{a} circles around {y} {d}",
                f"{x} walks{a} in a {d} circle around {y}, who turns to keep facing them")[k]
    if kind == "follow":
        return (f"{x} walks{a} away and {y} follows", f"{x} leads the way{a} and {y} follows behind",
                f"{y} follows {x}, who walks{a} off")[k]
    if kind == "side_by_side":
        ps = o.get("partner_side", "right")
        return (f"{x} and {y} walk{a} side by side, {y} on the {ps} of {x}",
                f"{x} walks{a} forward side by side with {y}, who is on their {ps}",
                f"{x} and {y} walk{a} side by side with {y} to the {ps}")[k]
    if kind == "handshake":
        return (f"{x} reaches out the {side} hand and shakes hands{a} with {y}",
                f"{x} and {y} shake {side} hands{a}",
                f"{x} offers {y} the {side} hand and they shake hands{a}")[k]
    if kind == "wave":
        if o.get("wave_back", True):
            rs = o.get("responder_side", "right")
            back = (f", and {y} waves back with the {rs} hand", f"; {y} waves back with the {rs} hand",
                    f" and {y} waves back using the {rs} hand")[k]
        else:
            back = (f" while {y} watches", f"; {y} just looks at them", f" and {y} looks back")[k]
        return (f"{x} waves{a} at {y} with the {side} hand", f"{x} raises the {side} hand and waves{a} to {y}",
                f"{x}{a} waves the {side} hand at {y}")[k] + back
    if kind == "bow":
        deep = " deeply" if o.get("depth", 0.7) > 0.8 else ""
        back = ((f" and {y} bows back", f"; {y} bows in return", f", then {y} bows back")[k]
                if o.get("bow_back", True) else (f" while {y} stands still", f"; {y} does not bow",
                                                  f" and {y} just watches")[k])
        return (f"{x} bows{deep}{a} to {y}", f"{x}{a} bows{deep} toward {y}",
                f"{x} bows{deep}{a} in front of {y}")[k] + back
    if kind == "hug":
        return (f"{x} steps toward {y} and hugs them{a}", f"{x}{a} embraces {y} and {y} hugs back",
                f"{x} and {y} hug{a}, {x} stepping in first")[k]
    if kind == "high_five":
        rs = other(side)
        return (f"{x} raises the {side} hand and gives {y} a high five{a}",
                f"{x}{a} gives {y} a high five with the {side} hand, {y} using the {rs} hand",
                f"{x} gives a high five to {y}{a} with the {side} hand")[k]
    if kind == "punch":
        where = "face" if o.get("target") == "head" else "chest"
        if o.get("outcome") == "block":
            bs = other(side)
            return (f"{x} throws a {side}-handed punch{a} at the {where} of {y}, who blocks it with the {bs} forearm",
                    f"{x}{a} punches at {y}'s {where} with the {side} fist and {y} blocks with the {bs} arm",
                    f"{x} punches{a} toward {y} with the {side} hand; {y} raises the {bs} forearm and blocks")[k]
        return (f"{x} punches {y} in the {where}{a} with the {side} fist and {y} staggers back",
                f"{x}{a} hits {y} in the {where} with a {side} punch, knocking {y} back",
                f"{x} lands a {side}-handed punch{a} on {y}'s {where} and {y} reels backward")[k]
    if kind == "push":
        return (f"{x} pushes {y}{a} with both hands and {y} stumbles backward",
                f"{x}{a} shoves {y} in the chest with both hands, making {y} step back",
                f"{x} pushes{a} against {y}'s chest and {y} staggers back")[k]
    if kind == "kick":
        dodge = {"back": "backward", "left": "to the left", "right": "to the right"}[o.get("dodge", "back")]
        return (f"{x} kicks{a} at {y} with the {side} leg and {y} dodges {dodge}",
                f"{x}{a} throws a {side} kick at {y}, who evades it by stepping {dodge}",
                f"{x} kicks{a} toward {y} with the {side} foot; {y} jumps {dodge} to avoid it")[k]
    if kind == "grab_pull":
        rs = other(side)
        return (f"{x} grabs {y}'s {rs} wrist with the {side} hand and pulls {y} forward{a}",
                f"{x}{a} takes {y} by the {rs} wrist with the {side} hand and pulls them along",
                f"{x} seizes {y}'s {rs} arm with the {side} hand and drags them forward, pulling{a}")[k]
    if kind == "hand_over":
        rs = other(side)
        return (f"{x} hands an object{a} to {y} with the {side} hand and {y} takes it with the {rs} hand",
                f"{x}{a} gives something to {y} with the {side} hand; {y} receives it with the {rs} hand",
                f"{x} passes an item{a} to {y} using the {side} hand, and {y} takes it in the {rs} hand")[k]
    if kind == "help_up":
        rs = other(side)
        return (f"{x} reaches out the {side} hand and pulls {y} up{a} from a crouch",
                f"{y} is squatting and {x} helps them up{a} with the {side} hand, {y} holding on with the {rs} hand",
                f"{x} takes {y}'s {rs} hand with the {side} hand and helps {y} get up{a}")[k]
    if kind == "carry":
        d = o.get("direction", "backward")
        return (f"{x} and {y} lift a box together and carry it{a}, {x} walking {d}",
                f"{x} and {y} pick up an object together and carry it{a} with {x} moving {d}",
                f"{x} walks {d} carrying a box{a} together with {y}")[k]
    if kind == "hold_hands_circle":
        d = o.get("direction", "clockwise")
        return (f"{x} takes both of {y}'s hands and they turn {d} in a circle{a} holding hands",
                f"{x} and {y} hold hands and spin {d}{a}",
                f"holding hands with {y}, {x} circles {d}{a} together with {y}")[k]
    if kind == "mirror":
        moves = [m.replace("raise", "raises").replace("spread", "spreads") for m in o.get("moves", [])]
        seq = " and then ".join(moves) if moves else "moves the arms"
        return (f"{x}{a} {seq}, and {y} mirrors the movements",
                f"{x}{a} {seq} while {y} mirrors them",
                f"{y} mirrors {x}, who{a} {seq}")[k]
    if kind == "sparring":
        return (f"{x} and {y} spar{a}, trading jabs, {x} throwing the first {side} jab",
                f"{x} starts sparring with {y}{a} with a {side} jab and they exchange punches",
                f"{x} and {y} put up their guards and spar{a}, {x} leading with a {side} jab")[k]
    if kind == "tug_of_war":
        return (f"{x} and {y} play tug of war and {x} pulls {y} forward{a}",
                f"{x} wins a tug-of-war against {y}, pulling{a} {y} forward",
                f"{x} and {y} pull on a rope in a tug of war until {x}{a} drags {y} forward")[k]
    if kind == "point":
        d = o.get("direction", "left")
        return (f"{x} points{a} to the {d} with the {side} hand and {y} looks there",
                f"{x}{a} points the {side} hand toward the {d}; {y} turns to look",
                f"{x} uses the {side} hand to point{a} to the {d} and {y} follows the gesture with their eyes")[k]
    if kind == "beckon":
        return (f"{x} beckons {y} over with the {side} hand and {y} walks{a} over",
                f"{x} gestures with the {side} hand for {y} to come and {y}{a} approaches",
                f"{x} beckons with the {side} hand and {y} comes{a} closer")[k]
    raise KeyError(kind)


# Per-person descriptions: (initiator, responder) templates; "{s}" side, "{a}" adverb.
SOLO: dict[str, tuple[str, str]] = {
    "approach": ("walks{a} forward toward someone", "stands and turns to face someone approaching"),
    "retreat": ("walks{a} away", "stays and watches someone leave"),
    "circle": ("walks{a} {d} in a circle", "turns in place to keep facing someone walking around"),
    "follow": ("walks{a} away in front", "follows behind someone"),
    "side_by_side": ("walks{a} forward beside someone", "walks{a} forward beside someone"),
    "handshake": ("reaches out the {s} hand and shakes hands", "shakes an offered hand with the {s} hand"),
    "wave": ("raises the {s} hand and waves{a}", "looks at someone waving"),
    "bow": ("bows forward{a}", "watches someone bow"),
    "hug": ("steps forward and hugs someone with both arms{a}", "hugs someone back"),
    "high_five": ("raises the {s} hand for a high five{a}", "raises the {r} hand for a high five"),
    "punch": ("raises the fists and throws a {s} punch{a}", "reacts to a punch"),
    "push": ("pushes forward with both hands{a}", "is pushed and stumbles backward"),
    "kick": ("kicks forward with the {s} leg{a}", "dodges a kick"),
    "grab_pull": ("grabs a wrist with the {s} hand and pulls it{a} while stepping back",
                  "is pulled forward by the {r} wrist"),
    "hand_over": ("holds out an object with the {s} hand{a}", "takes an object with the {r} hand"),
    "help_up": ("reaches down with the {s} hand and pulls someone up{a}",
                "squats, takes a hand with the {r} hand and gets up"),
    "carry": ("bends down, lifts a box and carries it{a}, walking {d}", "bends down, lifts a box and carries it"),
    "hold_hands_circle": ("holds hands with someone and turns {d} in a circle{a}",
                          "holds hands with someone and turns {d} in a circle{a}"),
    "mirror": ("{m}", "copies someone's movements like a mirror"),
    "sparring": ("puts up a guard and throws jabs, starting with the {s} hand{a}", "puts up a guard and throws jabs"),
    "tug_of_war": ("holds a rope with both hands, leans back and pulls it{a}",
                   "holds a rope, leans back and is pulled forward"),
    "point": ("points to the {d} with the {s} hand{a}", "turns to look where someone points"),
    "beckon": ("beckons with the {s} hand", "walks{a} forward"),
}


def solo_clause(spec: PhaseSpec, role: int) -> str:
    """What one person does in a phase: role 0 initiator, 1 responder."""
    o = spec.options
    side = spec.side or "right"
    text = SOLO[spec.kind][role]
    resp_side = other(side)
    if spec.kind == "wave" and role == 1 and o.get("wave_back", True):
        text = f"waves back with the {o.get('responder_side', 'right')} hand"
    if spec.kind == "bow" and role == 1 and o.get("bow_back", True):
        text = "bows back"
    if spec.kind == "punch" and role == 1:
        text = (f"raises the {resp_side} forearm and blocks a punch" if o.get("outcome") == "block"
                else "is hit and staggers backward")
    if spec.kind == "kick" and role == 1:
        text = "dodges " + {"back": "backward", "left": "to the left", "right": "to the right"}[o.get("dodge", "back")]
    if spec.kind == "handshake" and role == 1:
        text = f"shakes hands with the {side} hand"
    d = o.get("direction", o.get("partner_side", ""))
    if spec.kind == "carry" and role == 1:
        d = {"backward": "forward", "forward": "backward", "sideways": "sideways"}.get(d, d)
        text = "bends down, lifts a box and carries it, walking {d}"
    moves = [m.replace("raise", "raises").replace("spread", "spreads") for m in o.get("moves", [])]
    return text.format(s=side, r=resp_side, a=_adv(spec), d=d, m=" and then ".join(moves))


def _join(clauses: list[str], k: int) -> str:
    def cap(s: str) -> str:
        return s[:1].upper() + s[1:]

    if len(clauses) == 1:
        return cap(clauses[0]) + "."
    if k == 0:
        body = clauses[0] + ", then " + clauses[1]
        if len(clauses) == 3:
            body += ", and finally " + clauses[2]
        return cap(body) + "."
    if k == 1:
        out = "First, " + clauses[0] + ". Then " + clauses[1] + "."
        if len(clauses) == 3:
            out += " Finally, " + clauses[2] + "."
        return out
    out = cap(clauses[0]) + ". After that, " + clauses[1] + "."
    if len(clauses) == 3:
        out += " In the end, " + clauses[2] + "."
    return out


def clip_captions(specs: list[PhaseSpec]) -> list[str]:
    """Three paraphrased captions for a clip whose phases are ``specs`` (in order)."""
    first = specs[0].initiator
    out = []
    for k in range(3):
        clauses = []
        for i, spec in enumerate(specs):
            name_first = NAMES[k][0] if i == 0 else LATER_FIRST[k]
            names = {first: name_first, 1 - first: NAMES[k][1]}
            clauses.append(clause(spec, names[spec.initiator], names[spec.responder], k))
        out.append(_join(clauses, k))
    return out


def person_captions(specs: list[PhaseSpec], person: int) -> list[str]:
    """Three descriptions of what ``person`` (0/1, file order) does, phase by phase."""
    parts = [solo_clause(s, 0 if s.initiator == person else 1) for s in specs]
    subjects = ("a person", "the person", "someone")
    out = []
    for k in range(3):
        clauses = [f"{subjects[k]} {parts[0]}", *parts[1:]]
        out.append(_join(clauses, k))
    return out
