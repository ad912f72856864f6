"""BVH export of one person, with rotations solved from joint positions; a small reader and FK.

The hierarchy is the 22-joint skeleton (``skeleton.PARENTS``). Its rest pose is the T-pose of
``REST_OFFSETS`` facing +Z, each bone scaled to the person's median length over the clip; units
are metres, Y-up, so Blender imports it at the right size with its defaults (scale 1, Y up).

Rotations come from the positions alone (``t2i_core.motion.solver``: Kabsch for joints with several
children, twist-free swings for the others), so the file is right whichever way the person faces
(older converters assume a person facing +Z and break for one facing sideways or away).

Each joint lists its rotation channels in an order whose middle axis is rarely near 90 degrees
for that joint (no gimbal lock in ordinary motion): Y-X-Z for the root (yaw first), Z-Y-X along
the spine and legs (Y runs along those bones), Z-X-Y along the arms (X runs along them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from t2i_core.io import atomic_write_text
from t2i_core.motion.solver import CHILDREN, SolvedPose, solve_local_rotations
from t2i_core.skeleton import FPS, JOINT_NAMES

_ARM_JOINTS = {JOINT_NAMES.index(n) for n in ("l_collar", "r_collar", "l_shoulder", "r_shoulder",
                                              "l_elbow", "r_elbow", "l_wrist", "r_wrist")}
ROOT_ORDER = "YXZ"
ARM_ORDER = "ZXY"
BODY_ORDER = "ZYX"
# End-site offsets (the tips beyond the end joints), along each end joint's rest direction.
_END_SITES = {"l_foot": (0.0, 0.0, 0.06), "r_foot": (0.0, 0.0, 0.06), "head": (0.0, 0.12, 0.0),
              "l_wrist": (0.09, 0.0, 0.0), "r_wrist": (-0.09, 0.0, 0.0)}


def channel_order(joint: int) -> str:
    if joint == 0:
        return ROOT_ORDER
    return ARM_ORDER if joint in _ARM_JOINTS else BODY_ORDER


# -- rotations -----------------------------------------------------------------------------------
def _axis_matrix(axis: int, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    m = np.zeros((*np.shape(angle), 3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m[..., axis, axis] = 1.0
    m[..., i, i], m[..., j, j] = c, c
    m[..., i, j], m[..., j, i] = -s, s
    return m


def euler_to_matrix(angles: np.ndarray, order: str) -> np.ndarray:
    """Intrinsic Tait-Bryan angles (..., 3) in radians, ``order`` like "ZYX" -> R = R_Z R_Y R_X."""
    angles = np.asarray(angles, dtype=np.float64)
    axes = ["XYZ".index(a) for a in order.upper()]
    return _axis_matrix(axes[0], angles[..., 0]) @ _axis_matrix(axes[1], angles[..., 1]) @ _axis_matrix(
        axes[2], angles[..., 2])


def matrix_to_euler(matrix: np.ndarray, order: str) -> np.ndarray:
    """Inverse of ``euler_to_matrix``: (..., 3, 3) -> (..., 3) radians, middle angle in [-pi/2, pi/2]."""
    i, j, k = ("XYZ".index(a) for a in order.upper())
    if len({i, j, k}) != 3:
        raise ValueError(f"order must name three different axes, got {order!r}")
    s = 1.0 if (j - i) % 3 == 1 else -1.0  # +1 for the cyclic orders XYZ, YZX, ZXY
    R = np.asarray(matrix, dtype=np.float64)
    middle = np.arcsin(np.clip(s * R[..., i, k], -1.0, 1.0))
    first = np.arctan2(-s * R[..., j, k], R[..., k, k])
    last = np.arctan2(-s * R[..., i, j], R[..., i, i])
    locked = np.sqrt(R[..., i, i] ** 2 + R[..., i, j] ** 2) < 1e-7
    if np.any(locked):  # gimbal lock: put the whole turn into the first angle
        first = np.where(locked, np.arctan2(s * R[..., k, j], R[..., j, j]), first)
        last = np.where(locked, 0.0, last)
    return np.stack([first, middle, last], axis=-1)


# -- solving rotations from positions --------------------------------------------------------
@dataclass
class BvhMotion(SolvedPose):
    """A person as BVH data: rest offsets (22, 3), root positions (T, 3), local rotations (T, 22, 3, 3)."""

    fps: int = FPS


def solve_rotations(joints: np.ndarray, fps: int = FPS) -> BvhMotion:
    """A BVH skeleton and motion that reproduce one person's joints (T, 22, 3) (metres, Y-up)."""
    pose = solve_local_rotations(joints)
    return BvhMotion(pose.offsets, pose.root_positions, pose.local_rotations, fps)


# -- writing --------------------------------------------------------------------------------------
def bvh_text(joints: np.ndarray, fps: int = FPS) -> str:
    """The BVH file of one person's joints (T, 22, 3)."""
    motion = solve_rotations(joints, fps)
    lines = ["HIERARCHY"]

    def write_joint(j: int, depth: int) -> None:
        pad = "  " * depth
        name = JOINT_NAMES[j]
        lines.append(f"{pad}{'ROOT' if j == 0 else 'JOINT'} {name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {_fmt(motion.offsets[j])}")
        rot = " ".join(f"{a}rotation" for a in channel_order(j))
        lines.append(f"{pad}  CHANNELS 6 Xposition Yposition Zposition {rot}" if j == 0
                     else f"{pad}  CHANNELS 3 {rot}")
        for child in CHILDREN[j]:
            write_joint(child, depth + 1)
        if not CHILDREN[j]:
            lines.extend([f"{pad}  End Site", f"{pad}  {{",
                          f"{pad}    OFFSET {_fmt(np.array(_END_SITES[name]))}", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    write_joint(0, 0)
    frames = motion.root_positions.shape[0]
    lines += ["MOTION", f"Frames: {frames}", f"Frame Time: {1.0 / fps:.8f}"]
    columns = [motion.root_positions]
    for j in _hierarchy_order():
        columns.append(np.degrees(matrix_to_euler(motion.local_rotations[:, j], channel_order(j))))
    values = np.concatenate(columns, axis=1)
    lines += [" ".join(f"{v:.5f}" for v in row) for row in values]
    return "\n".join(lines) + "\n"


def write_bvh(path: str | Path, joints: np.ndarray, fps: int = FPS) -> Path:
    """Write one person's joints (T, 22, 3) as a BVH file (atomically)."""
    return atomic_write_text(path, bvh_text(joints, fps))


def _fmt(v: np.ndarray) -> str:
    return " ".join(f"{x:.6f}" for x in v)


def _hierarchy_order() -> list[int]:
    order: list[int] = []

    def visit(j: int) -> None:
        order.append(j)
        for child in CHILDREN[j]:
            visit(child)

    visit(0)
    return order


# -- reading -------------------------------------------------------------------------------------
@dataclass
class BvhFile:
    """A parsed BVH: joint names, parents, offsets (J, 3), per-joint channel names, frame time, motion."""

    names: list[str]
    parents: list[int]
    offsets: np.ndarray
    channels: list[list[str]]
    frame_time: float
    motion: np.ndarray  # (frames, total channels)

    @property
    def frames(self) -> int:
        return self.motion.shape[0]

    def positions(self) -> np.ndarray:
        """World positions of every joint (frames, J, 3) by forward kinematics of the channels."""
        frames, count = self.frames, len(self.names)
        pos = np.zeros((frames, count, 3))
        glob = np.zeros((frames, count, 3, 3))
        column = 0
        for j in range(count):
            channels = self.channels[j]
            values = self.motion[:, column:column + len(channels)]
            column += len(channels)
            translation = np.zeros((frames, 3))
            angles, order = [], ""
            for name, value in zip(channels, values.T):
                axis = name[0].upper()
                if name.lower().endswith("position"):
                    translation[:, "XYZ".index(axis)] = value
                else:
                    angles.append(np.radians(value))
                    order += axis
            rot = euler_to_matrix(np.stack(angles, axis=-1), order) if order else np.broadcast_to(
                np.eye(3), (frames, 3, 3))
            parent = self.parents[j]
            if parent < 0:
                pos[:, j] = self.offsets[j] + translation
                glob[:, j] = rot
            else:
                pos[:, j] = pos[:, parent] + glob[:, parent] @ self.offsets[j] + translation
                glob[:, j] = glob[:, parent] @ rot
        return pos


def read_bvh(source: str | Path) -> BvhFile:
    """Parse a BVH file (or its text). Raises ValueError on a malformed file."""
    text = source if isinstance(source, str) and "HIERARCHY" in source else Path(source).read_text()
    head, sep, tail = text.partition("MOTION")
    if not sep or not head.strip().startswith("HIERARCHY"):
        raise ValueError("not a BVH file: expected HIERARCHY ... MOTION")
    tokens = head.split()[1:]
    names: list[str] = []
    parents: list[int] = []
    offsets: list[list[float]] = []
    channels: list[list[str]] = []
    stack: list[int] = []
    in_end_site = False
    pending_parent = -1
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in ("ROOT", "JOINT"):
            names.append(tokens[i + 1])
            parents.append(stack[-1] if stack else -1)
            pending_parent = len(names) - 1
            i += 2
        elif token == "End":
            in_end_site = True
            i += 2
        elif token == "{":
            if not in_end_site:
                stack.append(pending_parent)
            i += 1
        elif token == "}":
            if in_end_site:
                in_end_site = False
            else:
                stack.pop()
            i += 1
        elif token == "OFFSET":
            if not in_end_site:
                offsets.append([float(v) for v in tokens[i + 1:i + 4]])
            i += 4
        elif token == "CHANNELS":
            count = int(tokens[i + 1])
            channels.append(tokens[i + 2:i + 2 + count])
            i += 2 + count
        else:
            raise ValueError(f"unexpected token {token!r} in the BVH hierarchy")
    if not names or len(offsets) != len(names) or len(channels) != len(names):
        raise ValueError("the BVH hierarchy is incomplete")
    frames_match = re.search(r"Frames:\s*(\d+)", tail)
    time_match = re.search(r"Frame Time:\s*([0-9.eE+-]+)", tail)
    if not frames_match or not time_match:
        raise ValueError("the BVH MOTION section lacks 'Frames:' or 'Frame Time:'")
    rows = tail[time_match.end():].split("\n")
    data = [list(map(float, row.split())) for row in rows if row.strip()]
    frames = int(frames_match.group(1))
    width = sum(len(c) for c in channels)
    if len(data) != frames or any(len(row) != width for row in data):
        raise ValueError(f"the BVH motion has {len(data)} rows, expected {frames} rows of {width} values")
    return BvhFile(names, parents, np.array(offsets), channels, float(time_match.group(1)),
                   np.array(data, dtype=np.float64).reshape(frames, width))
