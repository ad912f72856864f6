"""Checking what a person types into a front-end (the app) before it reaches the pipeline.

Every problem becomes one readable sentence (``InputError``, a ``ValueError``); all problems of a
request are reported together. Things that still work but may surprise (text in another script,
emoji) become warnings. The limits are the pipeline's, tightened where a shared CPU needs it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from t2i_core.pipeline import SECONDS_RANGE

MAX_PROMPT_CHARS = 1000      # the encoder reads at most 77 tokens (~300 characters) anyway
APP_MAX_SAMPLES = 4          # per request, so one visitor cannot hold a 2-core CPU for minutes
APP_STEPS_RANGE = (1, 200)   # DDIM steps; quality saturates well before 200
GUIDANCE_RANGE = (0.0, 20.0)
MAX_SEED = 2**32 - 1
EXAMPLE = "one person waves, the other waves back"


class InputError(ValueError):
    """Input a person can fix; the message says how."""


@dataclass
class GenerationRequest:
    prompt: str
    seconds: float
    seeds: list[int]
    guidance_scale: float
    steps: int
    warnings: list[str] = field(default_factory=list)


def clean_prompt(prompt) -> tuple[str, list[str]]:
    """The prompt, normalised (NFC, one space between words), and warnings; InputError if unusable."""
    if prompt is None or not isinstance(prompt, str):
        raise InputError(f"the prompt is empty: describe the interaction, e.g. '{EXAMPLE}'")
    text = unicodedata.normalize("NFC", prompt)
    text = "".join(" " if unicodedata.category(ch).startswith(("Z", "C")) else ch for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InputError(f"the prompt is empty: describe the interaction, e.g. '{EXAMPLE}'")
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(f"the prompt is {len(text):,} characters long; keep it under {MAX_PROMPT_CHARS:,} "
                         f"(the text encoder reads only about the first 300)")
    letters = [ch for ch in text if unicodedata.category(ch).startswith("L")]
    if not letters:
        raise InputError(f"the prompt has no words, only symbols or numbers: describe the interaction in "
                         f"English, e.g. '{EXAMPLE}'")
    warnings = []
    foreign = sorted({ch for ch in letters if "LATIN" not in unicodedata.name(ch, "")})
    if foreign:
        sample = "".join(foreign[:8])
        warnings.append(f"the model was trained on English descriptions: letters of other scripts ({sample}) "
                        f"are unlikely to be understood")
    symbols = sorted({ch for ch in text if unicodedata.category(ch) in ("So", "Sk", "Cs") or ord(ch) >= 0x1F000})
    if symbols:
        warnings.append(f"emoji and symbols ({''.join(symbols[:8])}) mean nothing to the text encoder; "
                        f"describe the action in words")
    return text, warnings


def _number(value, name: str, errors: list[str]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(f"{name} is empty")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(f"{name} must be a number, got {value!r}")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        errors.append(f"{name} must be a finite number")
        return None
    return number


def _seed_parts(text) -> list[str]:
    return [p for p in re.split(r"[\s,;]+", str(text if text is not None else "").strip()) if p]


def parse_seeds(text, num_samples: int) -> list[int]:
    """'7' -> [7, 8, ...] (one per sample); '3, 9, 12' -> exactly those seeds (they set the count)."""
    parts = _seed_parts(text)
    if not parts:
        raise InputError("the seeds box is empty: give a whole number like 0, or a list like 1, 2, 3")
    seeds = []
    for part in parts:
        if not re.fullmatch(r"\+?\d+", part):
            raise InputError(f"seeds must be whole numbers from 0 to {MAX_SEED}, separated by commas; got {part!r}")
        seed = int(part)
        if seed > MAX_SEED:
            raise InputError(f"seed {seed} is too large: at most {MAX_SEED}")
        seeds.append(seed)
    if len(seeds) == 1:
        seeds = [(seeds[0] + i) % (MAX_SEED + 1) for i in range(num_samples)]
    if len(seeds) > APP_MAX_SAMPLES:
        raise InputError(f"{len(seeds)} seeds given: at most {APP_MAX_SAMPLES} samples per request")
    return seeds


def parse_request(prompt, seconds, seeds_text, num_samples, guidance_scale, steps) -> GenerationRequest:
    """Validate everything a generation form holds; InputError lists every problem found."""
    errors: list[str] = []
    warnings: list[str] = []
    try:
        text, warnings = clean_prompt(prompt)
    except InputError as error:
        errors.append(str(error))
        text = ""
    seconds_value = _number(seconds, "the length in seconds", errors)
    if seconds_value is not None and not SECONDS_RANGE[0] <= seconds_value <= SECONDS_RANGE[1]:
        errors.append(f"the length must be between {SECONDS_RANGE[0]:g} and {SECONDS_RANGE[1]:g} seconds, "
                      f"got {seconds_value:g}")
    samples = _number(num_samples, "the number of samples", errors)
    if samples is not None and (samples != int(samples) or not 1 <= samples <= APP_MAX_SAMPLES):
        errors.append(f"the number of samples must be a whole number from 1 to {APP_MAX_SAMPLES}, got {samples:g}")
        samples = None
    guidance = _number(guidance_scale, "the guidance scale", errors)
    if guidance is not None and not GUIDANCE_RANGE[0] <= guidance <= GUIDANCE_RANGE[1]:
        errors.append(f"the guidance scale must be between {GUIDANCE_RANGE[0]:g} and {GUIDANCE_RANGE[1]:g}, "
                      f"got {guidance:g}")
    step_count = _number(steps, "the number of DDIM steps", errors)
    if step_count is not None and (step_count != int(step_count)
                                   or not APP_STEPS_RANGE[0] <= step_count <= APP_STEPS_RANGE[1]):
        errors.append(f"DDIM steps must be a whole number from {APP_STEPS_RANGE[0]} to {APP_STEPS_RANGE[1]}, "
                      f"got {step_count:g}")
    seeds: list[int] = []
    try:
        seeds = parse_seeds(seeds_text, int(samples) if samples is not None else 1)
    except InputError as error:
        errors.append(str(error))
    if errors:
        raise InputError("; ".join(errors))
    if len(_seed_parts(seeds_text)) > 1 and samples is not None and len(seeds) != int(samples):
        warnings.append(f"{len(seeds)} seeds given, so {len(seeds)} samples are made")
    return GenerationRequest(text, float(seconds_value), seeds, float(guidance), int(step_count), warnings)
