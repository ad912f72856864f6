"""Reading a visitor's motion file back: our own ``.npz`` export or a BVH with our 22-joint naming.

The reverse of ``export.py`` for the reaction page: one person's motion as 262-D features. Every
refusal is a ``MotionFileError`` that says what was wrong and what is accepted, and never names
the file's server path. Nothing is unpickled and nothing is parsed whole: an ``.npz`` member is
read from its ``.npy`` header (shape and dtype checked, no ``np.load``) and then only the bytes of
the frames kept; a BVH is read up to its ``Frames:`` line and then only the rows kept. With
``max_frames`` a longer motion is cropped to its first ``max_frames`` frames before any parsing,
so what one upload costs is bounded by the model's longest clip, not by the file.
"""

from __future__ import annotations

import math
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from t2i_core.io import NpyFormatError, read_npy_header
from t2i_core.motion.features import FEATURE_DIM, person_features_from_joints
from t2i_core.render.bvh import read_bvh
from t2i_core.skeleton import JOINT_NAMES, NUM_JOINTS

MAX_FILE_BYTES = 64 * 2**20      # a 300-frame pair is well under 1 MiB
MAX_MEMBER_BYTES = 256 * 2**20   # what an .npz member may claim uncompressed
MAX_BVH_HEADER_BYTES = 2**20     # our 22-joint hierarchy is about 3 KB
MAX_BVH_LINE_BYTES = 2**16       # one frame of our BVH is under 1 KB
NUMERIC_KINDS = "fiu"            # float, signed and unsigned integers
ACCEPTED = (f"accepted: our .npz export (a 'features' (persons, frames, {FEATURE_DIM}) or 'joints' "
            f"(persons, frames, {NUM_JOINTS}, 3) array) or a BVH with our {NUM_JOINTS}-joint skeleton, as the "
            f"Generate page downloads them")


class MotionFileError(ValueError):
    """A file that is not a usable motion (the text never names a server path)."""


def _features_of_every_frame(joints: np.ndarray) -> np.ndarray:
    """Features (T, 262) of all T frames of positions (T, 22, 3).

    A feature frame holds a position and the velocity to the next one, so T positions give T-1
    frames; the file's last frame is kept by continuing its last velocity one frame on.
    """
    if joints.shape[0] < 2:
        raise MotionFileError("the motion has fewer than 2 frames")
    joints = np.concatenate([joints, 2 * joints[-1:] - joints[-2:-1]], axis=0)
    return person_features_from_joints(joints)


@dataclass(frozen=True)
class PersonMotion:
    """One person's features and how many frames the file holds (more than kept when it was cropped)."""

    features: np.ndarray  # (T, 262)
    frames_in_file: int

    @property
    def cropped(self) -> bool:
        return self.frames_in_file > self.features.shape[0]


def _check_person(array: np.ndarray, what: str) -> np.ndarray:
    motion = np.asarray(array, dtype=np.float64)
    if not np.isfinite(motion).all():
        raise MotionFileError(f"'{what}' holds NaN or infinite values")
    return motion


def _member_shape(shape: tuple[int, ...], tail: tuple[int, ...], what: str) -> tuple[int, int]:
    """(persons, frames) of a member of shape (persons, frames, *tail) or (frames, *tail), else why not."""
    if len(shape) == len(tail) + 1:
        shape = (1, *shape)
    if len(shape) != len(tail) + 2 or shape[2:] != tail:
        got = "x".join(str(n) for n in shape)
        if what == "joints" and len(shape) >= 2 and shape[-1] == 3 and shape[-2] != NUM_JOINTS:
            raise MotionFileError(f"the motion has {shape[-2]} joints; this model's skeleton has {NUM_JOINTS}")
        raise MotionFileError(f"'{what}' has shape {got}; expected (persons, frames, "
                              f"{', '.join(str(n) for n in tail)})")
    return shape[0], shape[1]


def _read_member(archive: zipfile.ZipFile, name: str, tail: tuple[int, ...], person: int,
                 max_frames: int | None) -> tuple[np.ndarray, int]:
    """One person's first frames of the member ``name`` by its .npy header: (frames, *tail) and the
    frame count the header claims. Only the kept frames' bytes are decompressed."""
    what = name.removesuffix(".npy")
    with archive.open(name) as stream:
        try:
            shape, fortran, dtype = read_npy_header(stream)
        except NpyFormatError as error:
            raise MotionFileError(f"'{what}' is not a plain numeric array ({error}); {ACCEPTED}") from None
        if dtype.kind not in NUMERIC_KINDS or dtype.itemsize == 0 or dtype.fields is not None:
            raise MotionFileError(f"'{what}' holds values of type {dtype.str}, not numbers; {ACCEPTED}")
        persons, frames = _member_shape(shape, tail, what)
        if fortran and persons * frames > 1:
            raise MotionFileError(f"'{what}' is stored in Fortran order; save it in C order (NumPy's default)")
        if not 1 <= person <= persons:
            raise MotionFileError(f"the file holds {persons} person(s); person {person} was asked for")
        kept = frames if max_frames is None else min(frames, max_frames)
        frame_bytes = math.prod(tail) * dtype.itemsize
        if kept * frame_bytes > MAX_MEMBER_BYTES:  # never more than this, whatever the archive claims
            raise MotionFileError(f"'{what}' claims {'x'.join(map(str, shape))} of {dtype.str} "
                                  f"({persons * frames * frame_bytes:,} bytes): too large for one motion")
        # C order: person p's frames follow the persons before it; skip them, then read only the kept ones.
        skip = (person - 1) * frames * frame_bytes
        while skip > 0:
            chunk = stream.read(min(skip, 2**20))
            if not chunk:
                break
            skip -= len(chunk)
        data = stream.read(kept * frame_bytes)
    if skip > 0 or len(data) != kept * frame_bytes:
        raise MotionFileError(f"'{what}' is shorter than its header says ({'x'.join(map(str, shape))} of "
                              f"{dtype.str}): the file is damaged or not ours")
    return np.frombuffer(data, dtype=dtype).reshape(kept, *tail), frames


def _npz(path: Path, person: int, max_frames: int | None) -> PersonMotion:
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
            for key in ("features", "joints"):
                if sizes.get(f"{key}.npy", 0) > MAX_MEMBER_BYTES:
                    raise MotionFileError(f"'{key}' claims {sizes[f'{key}.npy']:,} bytes: too large for one motion")
            if "features.npy" in sizes:
                features, frames = _read_member(archive, "features.npy", (FEATURE_DIM,), person, max_frames)
                return PersonMotion(_check_person(features, "features"), frames)
            if "joints.npy" in sizes:
                joints, frames = _read_member(archive, "joints.npy", (NUM_JOINTS, 3), person, max_frames)
                return PersonMotion(_features_of_every_frame(_check_person(joints, "joints")), frames)
    except MotionFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        # a damaged archive or member, an unknown compression, an encrypted member
        raise MotionFileError(f"not a readable .npz archive; {ACCEPTED}") from None
    raise MotionFileError(f"the .npz has neither a 'features' nor a 'joints' array; {ACCEPTED}")


def _bvh_text(path: Path, max_frames: int | None) -> tuple[str, int]:
    """The BVH's text with at most ``max_frames`` motion rows (its ``Frames:`` line rewritten to match)
    and the frame count its header claims; the rows after those kept are never read."""
    with open(path, encoding="utf-8", newline=None) as handle:
        head: list[str] = []
        size = 0
        while True:
            line = handle.readline(MAX_BVH_LINE_BYTES)
            if not line:
                break
            size += len(line)
            if size > MAX_BVH_HEADER_BYTES:
                raise MotionFileError(f"not a BVH of our skeleton: its hierarchy is over {MAX_BVH_HEADER_BYTES // 1024}"
                                      f" KiB; {ACCEPTED}")
            head.append(line)
            if line.strip() == "MOTION":
                break
        text = "".join(head)
        if "HIERARCHY" not in text:
            raise MotionFileError(f"not a BVH file (no HIERARCHY section); {ACCEPTED}")
        frames_line, time_line = handle.readline(MAX_BVH_LINE_BYTES), handle.readline(MAX_BVH_LINE_BYTES)
        match = re.fullmatch(r"\s*Frames:\s*(\d{1,12})\s*", frames_line)
        if not match or not time_line.strip().startswith("Frame Time:"):
            raise MotionFileError(f"not a valid BVH file (no 'Frames:' and 'Frame Time:' after MOTION); {ACCEPTED}")
        claimed = int(match.group(1))
        kept = claimed if max_frames is None else min(claimed, max_frames)
        rows = []
        while len(rows) < kept:
            line = handle.readline(MAX_BVH_LINE_BYTES)
            if not line:
                break
            if line.strip():
                rows.append(line if line.endswith("\n") else line + "\n")
    return f"{text}Frames: {kept}\n{time_line.strip()}\n{''.join(rows)}", claimed


def _bvh(path: Path, max_frames: int | None) -> PersonMotion:
    try:
        text, claimed = _bvh_text(path, max_frames)
        motion = read_bvh(text)
    except UnicodeDecodeError:
        raise MotionFileError(f"not a text BVH file; {ACCEPTED}") from None
    except MotionFileError:
        raise
    except (ValueError, IndexError, KeyError):
        raise MotionFileError(f"not a valid BVH file; {ACCEPTED}") from None
    if sorted(motion.names) != sorted(JOINT_NAMES):
        unknown = [n for n in motion.names if n not in JOINT_NAMES][:5]
        raise MotionFileError(f"a BVH of another skeleton ({len(motion.names)} joints"
                              f"{', e.g. ' + ', '.join(unknown) if unknown else ''}); expected our {NUM_JOINTS} "
                              f"joints: {', '.join(JOINT_NAMES)}")
    positions = motion.positions()
    order = [motion.names.index(n) for n in JOINT_NAMES]
    joints = positions[:, order]
    if not np.isfinite(joints).all():
        raise MotionFileError("the BVH motion holds NaN or infinite values")
    return PersonMotion(_features_of_every_frame(joints), claimed)


def read_person_motion_file(path: str | Path, person: int = 1, max_frames: int | None = None) -> PersonMotion:
    """One person's features from an ``.npz`` export or a BVH, cropped to its first ``max_frames``
    frames (read by the header, before parsing), and the frame count the file claims; MotionFileError."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise MotionFileError("the uploaded file cannot be read") from None
    if size == 0:
        raise MotionFileError(f"the file is empty; {ACCEPTED}")
    if size > MAX_FILE_BYTES:
        raise MotionFileError(f"the file is {size / 2**20:.0f} MiB; a motion file is at most "
                              f"{MAX_FILE_BYTES // 2**20} MiB")
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, got {max_frames}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        motion = _npz(path, person, max_frames)
    elif suffix == ".bvh":
        motion = _bvh(path, max_frames)
    else:
        raise MotionFileError(f"files ending in {suffix or '(nothing)'} are not read; {ACCEPTED}")
    if motion.features.shape[0] < 1:
        raise MotionFileError("the motion has no frames")
    return motion


def read_person_motion(path: str | Path, person: int = 1, max_frames: int | None = None) -> np.ndarray:
    """One person's features (T, 262) from an ``.npz`` export or a BVH, or MotionFileError."""
    return read_person_motion_file(path, person, max_frames).features
