"""A scene: a timeline of prompts, each with a length, told as one continuous two-person motion.

    {"segments": [{"prompt": "two people shake hands", "seconds": 4},
                  {"prompt": "they hug", "seconds": 3}],
     "seed": 0, "guidance": 3.5, "steps": 50, "physics": true}

Each segment is 1-10 s (the model's clip length), the scene at most 60 s; ``seed`` (default 0),
``guidance``, ``steps`` and ``physics`` are optional (the pipeline's defaults otherwise). ``parse_scene``
accepts the JSON text or the decoded dict and raises ``SceneError`` (a ValueError) naming what was
wrong and what is accepted. ``SceneMotion`` is a generated scene (its files: ``save_scene``,
``export_scene``); how a scene is generated and edited lives in ``t2i_core.editing``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from t2i_core.io import atomic_write_text, save_npz
from t2i_core.motion.features import features_to_joints
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, FPS, SECONDS_RANGE, STEPS_RANGE
from t2i_core.render.bvh import write_bvh
from t2i_core.render.export import ExportedFiles, file_stem

MAX_SCENE_SECONDS = 60.0
MAX_SEGMENTS = int(MAX_SCENE_SECONDS // SECONDS_RANGE[0])
SCENE_KEYS = ("segments", "seed", "guidance", "steps", "physics")
SEGMENT_KEYS = ("prompt", "seconds")
EXAMPLE = '{"segments": [{"prompt": "two people shake hands", "seconds": 4}, ...], "seed": 0}'


class SceneError(ValueError):
    """A scene that cannot be used; the text says what was wrong and what is accepted."""


@dataclass(frozen=True)
class Segment:
    prompt: str
    seconds: float

    @property
    def frames(self) -> int:
        return round(self.seconds * FPS)


@dataclass(frozen=True)
class Scene:
    segments: tuple[Segment, ...]
    seed: int = 0
    guidance: float = DEFAULT_GUIDANCE
    steps: int = DEFAULT_STEPS
    physics: bool | None = None  # None: the caller's default (the app and the CLI turn it on)

    @property
    def frames(self) -> int:
        return sum(s.frames for s in self.segments)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.segments)

    def frame_ranges(self) -> list[tuple[int, int]]:
        """``[start, stop)`` of each segment in the scene's frames."""
        return _frame_ranges(self.segments)

    def to_dict(self) -> dict:
        out = {"segments": [asdict(s) for s in self.segments], "seed": self.seed, "guidance": self.guidance,
               "steps": self.steps}
        if self.physics is not None:
            out["physics"] = self.physics
        return out


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SceneError(f"{what} must be a number, got {json.dumps(value)[:40]}")
    return float(value)


def parse_segment(item, index: int) -> Segment:
    where = f"segment {index + 1}"
    if not isinstance(item, dict):
        raise SceneError(f"{where} must be an object like {{\"prompt\": \"...\", \"seconds\": 4}}")
    unknown = sorted(set(item) - set(SEGMENT_KEYS))
    if unknown:
        raise SceneError(f"{where} has unknown keys {unknown}; accepted: {', '.join(SEGMENT_KEYS)}")
    prompt = item.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise SceneError(f"{where} has no prompt: give each segment a non-empty \"prompt\" text")
    if "seconds" not in item:
        raise SceneError(f"{where} has no \"seconds\": give its length, {SECONDS_RANGE[0]:g} to {SECONDS_RANGE[1]:g} s")
    seconds = _number(item["seconds"], f"{where}'s seconds")
    if not SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]:
        raise SceneError(f"{where} is {seconds:g} s long; a segment is {SECONDS_RANGE[0]:g} to "
                         f"{SECONDS_RANGE[1]:g} s (split a longer one into several segments)")
    return Segment(prompt.strip(), seconds)


def parse_scene(source: str | bytes | dict) -> Scene:
    """A checked ``Scene`` from its JSON text or decoded dict; ``SceneError`` on anything unusable."""
    if isinstance(source, str | bytes):
        try:
            source = json.loads(source)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            detail = f" (line {error.lineno}, column {error.colno}: {error.msg})" if hasattr(error, "lineno") else ""
            raise SceneError(f"the scene is not valid JSON{detail}; expected e.g. {EXAMPLE}") from None
    if not isinstance(source, dict):
        raise SceneError(f"a scene is a JSON object, e.g. {EXAMPLE}")
    unknown = sorted(set(source) - set(SCENE_KEYS))
    if unknown:
        raise SceneError(f"unknown scene keys {unknown}; accepted: {', '.join(SCENE_KEYS)}")
    items = source.get("segments")
    if not isinstance(items, list) or not items:
        raise SceneError(f"the scene has no segments: give a non-empty \"segments\" list, e.g. {EXAMPLE}")
    if len(items) > MAX_SEGMENTS:
        raise SceneError(f"the scene has {len(items)} segments; at most {MAX_SEGMENTS} are accepted")
    segments = tuple(parse_segment(item, i) for i, item in enumerate(items))
    total = sum(s.seconds for s in segments)
    if total > MAX_SCENE_SECONDS + 1e-9:
        raise SceneError(f"the scene is {total:g} s long; a scene is at most {MAX_SCENE_SECONDS:g} s in all")
    seed = source.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise SceneError(f"seed must be a whole number from 0 to {2**31 - 1}, got {json.dumps(seed)[:40]}")
    guidance = _number(source.get("guidance", DEFAULT_GUIDANCE), "guidance")
    if guidance < 0:
        raise SceneError(f"guidance must be 0 or more, got {guidance:g}")
    steps = source.get("steps", DEFAULT_STEPS)
    if isinstance(steps, bool) or not isinstance(steps, int) or not STEPS_RANGE[0] <= steps <= STEPS_RANGE[1]:
        raise SceneError(f"steps must be a whole number from {STEPS_RANGE[0]} to {STEPS_RANGE[1]}, "
                         f"got {json.dumps(steps)[:40]}")
    physics = source.get("physics")
    if physics is not None and not isinstance(physics, bool):
        raise SceneError(f"physics must be true or false, got {json.dumps(physics)[:40]}")
    return Scene(segments, seed, guidance, steps, physics)


def load_scene(path: str | Path) -> Scene:
    """A scene from a JSON file (SceneError if it cannot be read or used; the message never names the path)."""
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise SceneError(f"the scene file cannot be read ({error.strerror or 'unreadable'})") from None
    return parse_scene(text)


def _frame_ranges(segments) -> list[tuple[int, int]]:
    ranges, start = [], 0
    for segment in segments:
        ranges.append((start, start + segment.frames))
        start += segment.frames
    return ranges


@dataclass(frozen=True)
class SceneMotion:
    """A generated scene: ``features`` (2, T, 262) un-normalised in segment 1's canonical frame, the
    segments it was told in (their frames are consecutive ranges of T) and the settings that made it."""

    features: np.ndarray
    segments: tuple[Segment, ...]
    settings: dict = field(default_factory=dict)
    fps: int = FPS

    def __post_init__(self):
        if sum(s.frames for s in self.segments) != self.features.shape[1]:
            raise ValueError(f"the segments cover {sum(s.frames for s in self.segments)} frames, the motion has "
                             f"{self.features.shape[1]}")

    @property
    def frames(self) -> int:
        return self.features.shape[1]

    @property
    def joints(self) -> np.ndarray:
        return features_to_joints(self.features)

    def frame_ranges(self) -> list[tuple[int, int]]:
        return _frame_ranges(self.segments)

    def segment_at(self, frame: int) -> Segment:
        for segment, (start, stop) in zip(self.segments, self.frame_ranges()):
            if start <= frame < stop:
                return segment
        return self.segments[-1]

    def segment_table(self) -> list[dict]:
        """What the files record of each segment: prompt, seconds and ``[start, stop)`` frames."""
        return [{"prompt": s.prompt, "seconds": s.seconds, "start": a, "stop": b}
                for s, (a, b) in zip(self.segments, self.frame_ranges())]

    def arrays(self) -> dict[str, np.ndarray]:
        """The .npz members: ``joints`` (2, T, 22, 3), ``features`` (2, T, 262), ``segment_frames`` (S, 2)
        ``[start, stop)``, ``segments`` and ``settings`` (JSON text), ``text`` (the prompts), ``fps``."""
        return {"joints": self.joints.astype(np.float32), "features": self.features.astype(np.float32),
                "segment_frames": np.array(self.frame_ranges(), dtype=np.int64).reshape(-1, 2),
                "segments": np.array(json.dumps(self.segment_table(), ensure_ascii=False)),
                "text": np.array(" | ".join(s.prompt for s in self.segments)), "fps": np.array(int(self.fps)),
                "seed": np.array(int(self.settings.get("seed", 0))),
                "settings": np.array(json.dumps(self.settings, sort_keys=True, ensure_ascii=False))}


def bvh_paths(npz: str | Path) -> tuple[Path, Path]:
    npz = Path(npz)
    return tuple(npz.with_name(f"{npz.stem}_person{i + 1}.bvh") for i in range(2))


def save_scene(path: str | Path, motion: SceneMotion) -> list[Path]:
    """The scene's .npz at ``path`` and one BVH per person beside it (``STEM_person1.bvh``), each atomic."""
    npz = save_npz(path, **motion.arrays())
    joints = motion.joints
    return [npz, *(write_bvh(p, joints[i], motion.fps) for i, p in enumerate(bvh_paths(npz)))]


def scene_file_stem(motion: SceneMotion) -> str:
    """The name (without suffix) of a scene's downloads and of its video, after its first prompt and seed."""
    return "scene_" + file_stem(motion.segments[0].prompt, int(motion.settings.get("seed", 0)), max_words=4)


def export_scene(folder: str | Path, motion: SceneMotion) -> ExportedFiles:
    """The app's downloads of a scene: npz, one BVH per person and the settings JSON, named after its first prompt."""
    folder = Path(folder)
    stem = scene_file_stem(motion)
    npz, *bvhs = save_scene(folder / f"{stem}.npz", motion)
    settings = atomic_write_text(folder / f"{stem}_settings.json",
                                 json.dumps({**motion.settings, "segments": motion.segment_table()}, indent=2,
                                            sort_keys=True, ensure_ascii=False) + "\n")
    return ExportedFiles(npz, tuple(bvhs), settings)
