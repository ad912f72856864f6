"""Words for solo actions: three paraphrased verb phrases per action, and captions built from them.

``phrase(spec, k)`` is what one person does, without a subject ("jumps in place twice"), in the
third person singular, so it reads after "a person", "one person", "the other person" or "each
of them" alike. Every phrase names the action (``KEYWORDS``), the side where one is used, the
manner (slowly/quickly), and the count or direction drawn for the clip.
"""

from __future__ import annotations

from t2i_core.data.procedural.solo import SoloSpec

COUNT_WORDS = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times",
               7: "seven times", 8: "eight times", 9: "nine times", 10: "ten times", 11: "eleven times"}
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
                9: "nine", 10: "ten", 11: "eleven"}

# At least one of these appears in every phrase of the action.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "jump_in_place": ("jump",), "jump_direction": ("jump", "leap"), "jumping_jacks": ("jumping jack",),
    "hop_on_one_foot": ("hop",), "spin": ("spin",), "turn_around": ("turn",), "walk": ("walk",),
    "run": ("run", "jog", "sprint"), "sidestep": ("sidestep", "side step", "steps sideways"),
    "march_in_place": ("march",), "jog_in_place": ("jog",), "squat": ("squat",), "crouch": ("crouch",),
    "lunge": ("lunge",), "kneel": ("kneel", "knee"), "touch_toes": ("toes",), "stomp": ("stomp",),
    "balance_on_one_leg": ("balance",), "pick_up": ("pick",), "clap": ("clap",),
    "arm_circles": ("circle",), "stretch_up": ("stretch", "reach"), "side_stretch": ("stretch", "lean"),
    "cheer": ("cheer",), "fist_pump": ("fist",), "salute": ("salute",), "shrug": ("shrug",),
    "cross_arms": ("cross", "fold"), "hands_on_hips": ("hips",), "look_around": ("look",),
    "nod": ("nod",), "shake_head": ("shake", "shakes"), "shadow_box": ("box", "punch"),
    "throw": ("throw",), "catch": ("catch",), "sway": ("sway",), "grapevine": ("grapevine",),
}


def _adv(spec: SoloSpec) -> str:
    return "" if spec.speed == "normal" else " " + spec.speed


def _times(n: int) -> str:
    return COUNT_WORDS.get(n, f"{n} times")


def phrase(spec: SoloSpec, k: int) -> str:
    """Paraphrase ``k`` (0-2) of what a person does in ``spec``, without the subject."""
    o, a, kind = spec.options, _adv(spec), spec.kind
    side = spec.side or "right"
    other = "left" if side == "right" else "right"
    n = int(o.get("count", 1))
    times, num = _times(n), NUMBER_WORDS.get(n, str(n))
    d = o.get("direction", "")
    if kind == "jump_in_place":
        return (f"jumps{a} in place {times}", f"jumps up and down{a} {times}",
                f"jumps straight up{a} {times} on the spot")[k]
    if kind == "jump_direction":
        where = {"forward": "forward", "backward": "backward", "left": "to the left", "right": "to the right"}[d]
        return (f"jumps{a} {where} {times}", f"leaps {where}{a} {times}",
                f"jumps{a} {where} with both feet {times}")[k]
    if kind == "jumping_jacks":
        return (f"does {num} jumping jacks{a}", f"performs {num} jumping jacks{a}",
                f"does jumping jacks{a}, {num} in a row")[k]
    if kind == "hop_on_one_foot":
        return (f"hops on the {side} foot{a} {times}", f"lifts the {other} foot and hops{a} {times} on the {side} one",
                f"hops{a} {times} on the {side} leg")[k]
    if kind == "spin":
        turns = float(o.get("turns", 1.0))
        many = " twice" if turns >= 2 else ""
        return (f"spins around{a}{many} to the {d}", f"spins{a} to the {d} in a full circle{many}",
                f"does a spin{a}{many} turning {d}")[k]
    if kind == "turn_around":
        return (f"turns around{a} to the {d}", f"turns{a} to face the other way, turning {d}",
                f"turns{a} around over the {d} shoulder")[k]
    if kind == "walk":
        where = {"forward": "forward", "backward": "backward", "left": "sideways to the left",
                 "right": "sideways to the right"}[d]
        return (f"walks {where}{a}", f"walks{a} a few steps {where}", f"takes a short walk {where}{a}")[k]
    if kind == "run":
        return (f"runs forward{a}", f"starts running{a} ahead", f"runs{a} a few metres forward")[k]
    if kind == "sidestep":
        return (f"sidesteps{a} to the {d} {num} steps", f"takes {num} side steps{a} to the {d}",
                f"steps sideways{a} to the {d}, {num} steps")[k]
    if kind == "march_in_place":
        return (f"marches in place{a}, {num} steps", f"marches{a} on the spot lifting the knees high",
                f"marches{a} in place for {num} steps")[k]
    if kind == "jog_in_place":
        return (f"jogs in place{a}", f"jogs{a} on the spot", f"jogs in place{a} for a few seconds")[k]
    if kind == "squat":
        deep = " deeply" if float(o.get("depth", 0.38)) > 0.41 else ""
        return (f"squats{deep}{a} {times}", f"does {num} squat{'s' if n > 1 else ''}{deep}{a}",
                f"squats down{deep} and stands back up{a}, {times}")[k]
    if kind == "crouch":
        return (f"crouches down{a} and stays low for a moment", f"crouches{a}, then stands up again",
                f"goes down into a crouch{a} and rises")[k]
    if kind == "lunge":
        return (f"lunges forward with the {side} leg{a} {times}", f"does a {side}-leg lunge{a} {times}",
                f"steps forward into a lunge{a} on the {side} leg, {times}")[k]
    if kind == "kneel":
        return (f"kneels down on the {side} knee{a} and gets back up",
                f"goes down on one knee, the {side} one,{a} then rises",
                f"kneels{a} on the {side} knee for a moment and stands up again")[k]
    if kind == "touch_toes":
        return (f"bends down{a} and touches the toes", f"reaches down{a} to touch the toes",
                f"bends forward and touches the toes{a}, then straightens up")[k]
    if kind == "stomp":
        return (f"stomps the {side} foot{a} {times}", f"stomps{a} on the ground with the {side} foot {times}",
                f"raises the {side} foot and stomps it down{a} {times}")[k]
    if kind == "balance_on_one_leg":
        return (f"balances on the {side} leg{a} with the {other} knee raised",
                f"stands on one leg, the {side} one,{a} arms out for balance",
                f"lifts the {other} knee and balances{a} on the {side} foot")[k]
    if kind == "pick_up":
        return (f"bends down and picks something up from the floor with the {side} hand{a}",
                f"picks up an object from the ground{a} using the {side} hand",
                f"reaches down{a} with the {side} hand and picks something up")[k]
    if kind == "clap":
        where = "above the head" if o.get("where") == "overhead" else "in front of the chest"
        return (f"claps{a} {where} {times}", f"claps the hands {where}{a} {times}",
                f"raises the hands {where} and claps{a} {times}")[k]
    if kind == "arm_circles":
        return (f"makes {num} {d} arm circles{a}", f"holds the arms out and circles them {d}{a}, {num} times",
                f"does arm circles{a} {d}, {num} of them")[k]
    if kind == "stretch_up":
        return (f"stretches both arms up{a} above the head", f"reaches up high{a} and stretches",
                f"raises both arms overhead and stretches{a}")[k]
    if kind == "side_stretch":
        return (f"stretches to the {side}{a}, the {other} arm over the head",
                f"leans to the {side}{a} in a side stretch", f"does a side stretch to the {side}{a}")[k]
    if kind == "cheer":
        return (f"cheers{a} with both arms raised", f"throws both arms up and cheers{a}",
                f"cheers{a}, pumping both arms in the air")[k]
    if kind == "fist_pump":
        return (f"pumps the {side} fist in the air{a} {times}", f"does a fist pump{a} with the {side} hand, {times}",
                f"raises the {side} fist and pumps it{a} {times}")[k]
    if kind == "salute":
        return (f"salutes{a} with the {side} hand", f"raises the {side} hand to the forehead in a salute{a}",
                f"gives a salute{a} with the {side} hand")[k]
    if kind == "shrug":
        return (f"shrugs the shoulders{a}" + (" twice" if n > 1 else ""),
                f"shrugs{a} with the palms up" + (" twice" if n > 1 else ""),
                f"lifts the shoulders in a shrug{a}" + (" twice" if n > 1 else ""))[k]
    if kind == "cross_arms":
        return (f"crosses the arms{a} over the chest", f"folds the arms{a} and waits",
                f"stands with the arms crossed{a}")[k]
    if kind == "hands_on_hips":
        return (f"puts the hands on the hips{a}", f"stands with the hands on the hips{a}",
                f"places both hands on the hips{a}")[k]
    if kind == "look_around":
        first = o.get("first", "left")
        then = "right" if first == "left" else "left"
        return (f"looks around{a}, first to the {first}, then to the {then}",
                f"turns the head{a} and looks {first} and {then}",
                f"looks to the {first} and then to the {then}{a}")[k]
    if kind == "nod":
        return (f"nods{a} {times}", f"nods the head{a} {times}", f"nods yes{a} {times}")[k]
    if kind == "shake_head":
        return (f"shakes the head{a} {times}", f"shakes the head no{a}", f"shakes the head from side to side{a}")[k]
    if kind == "shadow_box":
        return (f"shadow boxes{a}, throwing {num} punches, leading with the {side} fist",
                f"puts up a guard and punches the air{a} {num} times, {side} first",
                f"boxes the air{a} with {num} punches starting with the {side} hand")[k]
    if kind == "throw":
        return (f"throws something overhand{a} with the {side} hand",
                f"winds up and throws{a} with the {side} arm",
                f"makes an overhand throw{a} using the {side} arm")[k]
    if kind == "catch":
        where = "high above" if o.get("height") == "high" else "at chest height"
        return (f"reaches out and catches something {where}{a}", f"catches a ball {where}{a} with both hands",
                f"holds out both hands and makes a catch {where}{a}")[k]
    if kind == "sway":
        return (f"sways the hips from side to side{a}, dancing", f"dances{a}, swaying side to side",
                f"sways{a} to the music, {num} times each way")[k]
    if kind == "grapevine":
        return (f"does a grapevine step{a} to the {d}", f"dances a grapevine{a} toward the {d}",
                f"moves to the {d} in a grapevine dance step{a}")[k]
    raise KeyError(kind)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def solo_captions(specs: list[SoloSpec]) -> list[str]:
    """Three captions of one person doing ``specs`` in order, in HumanML3D's plain style."""
    subjects = ("a person", "the person", "someone")
    out = []
    for k in range(3):
        parts = [phrase(s, (k + i) % 3) for i, s in enumerate(specs)]
        if len(parts) == 1:
            out.append(_sentence(f"{subjects[k]} {parts[0]}"))
        elif k == 0:
            out.append(_sentence(f"{subjects[k]} " + ", then ".join(parts)))
        elif k == 1:
            out.append(_sentence(f"{subjects[k]} first {parts[0]}, then " + ", and then ".join(parts[1:])))
        else:
            out.append(_sentence(f"{subjects[k]} {parts[0]}, after that " + ", and finally ".join(parts[1:])))
    return out
