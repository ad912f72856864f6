"""Scenes longer than a clip, and edits that keep the rest of the motion: inpainting along time.

Everything here is one operation, ``fill``: generate frames ``[start, stop)`` of a pair (both persons, or
one while the other is kept) with the frames around them given clean (``Text2InteractPipeline.inpaint``).

- A scene (``generate_scene``) appends its segments one after another: each segment after the first is
  a fill past the end of the motion so far, its last ``CONTEXT_FRAMES`` frames given.
- An edit regenerates a window with the frames on both sides given (in-betweening), or one person in a
  window with the other given (``regenerate_window``), or one segment under a new prompt with both of
  its seams given (``regenerate_segment``).

The model knows motions only in its canonical frame (person 1 at frame 0 on the origin facing +Z), so
each fill moves its stretch of the motion there (``placement``: a rotation about the vertical and a
shift
on the floor, from person 1's pose at the stretch's first frame) and the result back: a continuation
starts where and facing the way the scene stopped. A window longer than the model's clip is filled in
chunks, each with the frames just made as its context. Frames outside the window are copied from the
input, so they are identical to it; physical guidance (when on) acts on the generated frames only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from t2i_core.motion.features import FEATURE_DIM, POSITIONS, VELOCITIES, facing_direction, features_to_joints
from t2i_core.motion.rotation import heading_angle, yaw_matrix
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, FPS, Physics, physics_settings
from t2i_core.scene import Scene, SceneMotion, Segment

CONTEXT_FRAMES = 21  # frames given clean on each side of a generated chunk (0.7 s: seven 3-frame motion tokens)
EDGE_FRAMES = 6  # the model's last frames (its last two 3-frame tokens) jump: generated past a free end, then dropped
BLEND_FRAMES = 15  # generated frames over which a seam's remaining offset is faded out (0.5 s)
CHUNK_SEED_STRIDE = 100_003  # a long window's later chunks draw their noise from seed + c * stride

Progress = Callable[[int, int], None]  # (step done, steps in all)


class EditError(ValueError):
    """An edit that cannot be made; the text says what was wrong and what is accepted."""


@dataclass(frozen=True)
class Placement:
    """Where a stretch of motion stands: ``local = (world - offset) @ R(-yaw).T`` for positions."""

    yaw: float
    offset: np.ndarray  # (3,), y = 0

    @classmethod
    def identity(cls) -> Placement:
        return cls(0.0, np.zeros(3))

    @classmethod
    def of_frame(cls, features: np.ndarray, frame: int) -> Placement:
        """Person 1's pelvis (on the floor) and facing at ``frame`` of a pair (2, T, 262)."""
        joints = features_to_joints(features[0, frame])
        return cls(float(heading_angle(facing_direction(joints))), np.array([joints[0, 0], 0.0, joints[0, 2]]))

    def _moved(self, features: np.ndarray, rotation: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        out = np.array(features, dtype=np.float64)
        shape = (*out.shape[:-1], -1, 3)
        positions = (out[..., POSITIONS].reshape(shape) + before) @ rotation.T + after
        out[..., POSITIONS] = positions.reshape(*out.shape[:-1], -1)
        out[..., VELOCITIES] = (out[..., VELOCITIES].reshape(shape) @ rotation.T).reshape(*out.shape[:-1], -1)
        return out  # local rotations and foot contacts do not change under a turn about the vertical

    def to_local(self, features: np.ndarray) -> np.ndarray:
        return self._moved(features, yaw_matrix(-self.yaw), -self.offset, np.zeros(3))

    def to_world(self, features: np.ndarray) -> np.ndarray:
        return self._moved(features, yaw_matrix(self.yaw), np.zeros(3), self.offset)


@dataclass(frozen=True)
class Chunk:
    """One call of the model: frames ``[left, right)`` of the motion, of which ``[start, stop)`` are generated."""

    left: int
    start: int
    stop: int
    right: int


def plan_chunks(frames: int, start: int, stop: int, max_frames: int, context: int = CONTEXT_FRAMES,
                edge: int = EDGE_FRAMES) -> list[Chunk]:
    """Chunks that generate ``[start, stop)`` of a ``frames``-long motion, each at most ``max_frames`` long,
    with up to ``context`` given frames before it and, for the last, after it. A chunk that is not the last
    ends free, so its last ``edge`` frames are generated again by the next one (which starts there)."""
    if max_frames <= 2 * context:
        raise ValueError(f"the model's clip ({max_frames} frames) is too short for {context} context frames a side")
    chunks, cursor = [], start
    while cursor < stop:
        left = max(0, cursor - context)
        after = min(frames, stop + context) - stop
        last_room = max_frames - (cursor - left) - after
        if stop - cursor <= last_room:
            chunks.append(Chunk(left, cursor, stop, stop + after))
            break
        # not the last chunk (no frames after it are given): just long enough that the next one, with its full
        # context, can be the last (one call fewer than cutting at this chunk's own, shorter, context near the
        # motion's start), and at most as long as it may be
        next_room = max_frames - context - after
        take = min(max_frames - (cursor - left), stop - cursor - next_room + edge)
        chunks.append(Chunk(left, cursor, cursor + take, cursor + take))
        cursor += take - edge
    return chunks


def check_window(frames: int, start, stop) -> tuple[int, int]:
    """``(start, stop)`` as ints, or EditError when the window is not a non-empty part of the motion."""
    try:
        a, b = int(start), int(stop)
    except (TypeError, ValueError):
        raise EditError(f"a window is two frame numbers, got {start!r} and {stop!r}") from None
    if not 0 <= a < b <= frames:
        raise EditError(f"the window [{a}, {b}) lies outside the motion: it must satisfy 0 <= start < stop <= "
                        f"{frames} (frames at {FPS} fps, {frames / FPS:g} s)")
    return a, b


def fill(pipe, features: np.ndarray, start: int, stop: int, prompt: str, seed: int = 0, person: int | None = None,
         guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS, physics: Physics = False,
         callback: Progress | None = None, blend: bool = True) -> np.ndarray:
    """``features`` (2, T, 262) with frames ``[start, stop)`` generated for ``prompt``: both persons, or only
    ``person`` (0 or 1) with the other kept. Every other entry is returned unchanged (a copy). ``blend=False``
    leaves out ``blend_seams`` (for measuring what inpainting alone does)."""
    features = np.asarray(features)
    if features.ndim != 3 or features.shape[0] != 2 or features.shape[2] != FEATURE_DIM:
        raise EditError(f"a pair's motion is (2, frames, {FEATURE_DIM}), got {features.shape}")
    start, stop = check_window(features.shape[1], start, stop)
    if person not in (None, 0, 1):
        raise EditError(f"the person to regenerate is 0 (person 1), 1 (person 2) or None (both), got {person!r}")
    frames = features.shape[1]
    out = np.array(features, dtype=np.float32)
    if stop == frames:  # a free end: generate past it, so the model's jumpy last frames are not kept
        out = np.concatenate([out, np.zeros((2, EDGE_FRAMES, FEATURE_DIM), dtype=np.float32)], axis=1)
        if person is not None:  # the kept person's extra frames are given too: its own last frame held
            out[1 - person, frames:] = out[1 - person, frames - 1]
    chunks = plan_chunks(out.shape[1], start, out.shape[1] if stop == frames else stop, pipe.model.config.max_frames)
    total = len(chunks) * int(steps)
    for c, chunk in enumerate(chunks):
        # the stretch's first frame is a given one, unless it is the motion's own (canonical) first frame
        where = Placement.identity() if chunk.left == chunk.start else Placement.of_frame(out, chunk.left)
        local = where.to_local(out[:, chunk.left:chunk.right]).astype(np.float32)
        known = np.ones(local.shape[:2], dtype=bool)
        inside = slice(chunk.start - chunk.left, chunk.stop - chunk.left)
        if person is None:
            known[:, inside] = False
        else:
            known[person, inside] = False
        done = c * int(steps)
        made = pipe.inpaint(local, known, prompt, seed=int(seed) + c * CHUNK_SEED_STRIDE, guidance_scale=guidance_scale,
                            steps=steps, physics=physics,
                            callback=None if callback is None else (lambda i, n, done=done: callback(done + i, total)))
        made = where.to_world(made[:, inside]).astype(np.float32)
        rows = slice(None) if person is None else slice(person, person + 1)
        out[rows, chunk.start:chunk.stop] = made[rows]
        if blend:
            out[rows] = blend_seams(out[rows], chunk.start, chunk.stop, left=chunk.left < chunk.start,
                                    right=chunk.right > chunk.stop)
    return out[:, :frames]


def blend_seams(features: np.ndarray, start: int, stop: int, left: bool = True, right: bool = True,
                frames: int = BLEND_FRAMES) -> np.ndarray:
    """Fade out what inpainting leaves of a jump where generated frames ``[start, stop)`` meet given ones.

    Inpainting sees the given frames only noised, so the first generated frame can miss where the last
    given one was heading by centimetres. Each joint's miss (at ``start``: the last given frame plus its last
    step, against the first generated frame; at ``stop``: the first given frame after, less its first step,
    against the last generated one), plus the miss in step (the given frames' step against the generated
    one) times the distance from the seam, is added to the generated frames with a weight falling from 1 at
    the seam to 0 ``frames`` later (half a cosine), so that both place and speed carry across the seam
    (a cubic Hermite-like join); the generated velocities are then recomputed. Given frames are
    not touched. ``features`` (P, T, 262) is returned as a new array.
    """
    out = np.array(features, dtype=np.float32)
    persons, length = out.shape[:2]
    positions = out[..., POSITIONS].reshape(persons, length, -1, 3)
    velocities = out[..., VELOCITIES].reshape(persons, length, -1, 3)
    inside = np.arange(start, stop)
    count = stop - start
    shift = np.zeros((persons, count, positions.shape[2], 3), dtype=np.float32)
    steps = np.arange(count, dtype=np.float32)
    fade = 0.5 * (1 + np.cos(np.pi * np.minimum(steps, frames) / frames))
    if left and start > 0:  # where the given frames were heading: their last step repeated
        heading = positions[:, start - 1] - positions[:, start - 2] if start > 1 else velocities[:, start - 1]
        miss = positions[:, start - 1] + heading - positions[:, start]
        own = positions[:, start + 1] - positions[:, start] if count > 1 else heading
        shift += fade[None, :, None, None] * (miss[:, None] + steps[None, :, None, None] * (heading - own)[:, None])
    if right and stop < length:  # and where the given frames after came from (the same, backwards in time)
        heading = positions[:, stop] - positions[:, stop + 1] if stop + 1 < length else -velocities[:, stop - 1]
        miss = positions[:, stop] + heading - positions[:, stop - 1]
        own = positions[:, stop - 2] - positions[:, stop - 1] if count > 1 else heading
        back = steps[::-1, None, None]
        shift += fade[::-1][None, :, None, None] * (miss[:, None] + back[None] * (heading - own)[:, None])
    positions[:, inside] += shift
    ahead = positions[:, start + 1:min(stop + 1, length)] - positions[:, start:min(stop + 1, length) - 1]
    velocities[:, start:start + ahead.shape[1]] = ahead  # the last frame of the motion keeps its own velocity
    out[..., POSITIONS] = positions.reshape(persons, length, -1)
    out[..., VELOCITIES] = velocities.reshape(persons, length, -1)
    return out


def _settings(scene: Scene, physics: Physics) -> dict:
    return {**scene.to_dict(), "physics": physics_settings(physics), "fps": FPS, "frames": scene.frames,
            "context_frames": CONTEXT_FRAMES, "edits": []}


def generate_scene(pipe, scene: Scene, physics: Physics = False,
                   callback: Callable[[int, int, int], None] | None = None, blend: bool = True) -> SceneMotion:
    """The whole scene as one motion in segment 1's canonical frame. ``scene.physics``, when set, overrides
    ``physics``; ``callback(segment, step, steps)`` reports each segment's progress (segment from 0)."""
    physics = physics if scene.physics is None else scene.physics
    features = np.zeros((2, 0, FEATURE_DIM), dtype=np.float32)
    for k, segment in enumerate(scene.segments):
        begin = features.shape[1]
        features = np.concatenate([features, np.zeros((2, segment.frames, FEATURE_DIM), dtype=np.float32)], axis=1)
        features = fill(pipe, features, begin, begin + segment.frames, segment.prompt, seed=scene.seed + k,
                        guidance_scale=scene.guidance, steps=scene.steps, physics=physics,
                        callback=None if callback is None else (lambda i, n, k=k: callback(k, i, n)), blend=blend)
    return SceneMotion(features, scene.segments, _settings(scene, physics))


def regenerate_window(pipe, motion: SceneMotion, start: int, stop: int, prompt: str | None = None, seed: int = 0,
                      person: int | None = None, guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS,
                      physics: Physics = False, callback: Progress | None = None) -> SceneMotion:
    """The motion with frames ``[start, stop)`` regenerated (both persons, or ``person`` only) and every other
    frame as it was. ``prompt`` defaults to that of the segment holding the window's middle."""
    start, stop = check_window(motion.frames, start, stop)
    if prompt is None:
        prompt = motion.segment_at((start + stop) // 2).prompt
    features = fill(pipe, motion.features, start, stop, prompt, seed, person, guidance_scale, steps, physics, callback)
    edit = {"window": [start, stop], "person": person, "prompt": prompt, "seed": int(seed),
            "guidance": guidance_scale, "steps": int(steps), "physics": physics_settings(physics)}
    return replace(motion, features=features, settings={**motion.settings,
                                                        "edits": [*motion.settings.get("edits", []), edit]})


def regenerate_segment(pipe, motion: SceneMotion, index: int, prompt: str | None = None, seed: int = 0,
                       person: int | None = None, guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS,
                       physics: Physics = False, callback: Progress | None = None) -> SceneMotion:
    """Segment ``index`` (from 0) regenerated under ``prompt`` (default: its own), its seams blended by the
    given frames on both sides; the scene's segment list records the new prompt."""
    if not isinstance(index, int) or not 0 <= index < len(motion.segments):
        raise EditError(f"the scene has segments 1 to {len(motion.segments)}, got segment "
                        f"{index + 1 if isinstance(index, int) else index!r}")
    start, stop = motion.frame_ranges()[index]
    prompt = (prompt or "").strip() or motion.segments[index].prompt
    edited = regenerate_window(pipe, motion, start, stop, prompt, seed, person, guidance_scale, steps, physics,
                               callback)
    segments = list(motion.segments)
    segments[index] = Segment(prompt, segments[index].seconds)
    settings = {**edited.settings, "segments": [{"prompt": s.prompt, "seconds": s.seconds} for s in segments]}
    return replace(edited, segments=tuple(segments), settings=settings)
