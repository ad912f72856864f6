"""The 262-D per-person frame feature of InterGen / InterHuman, computed for a pair.

Layout per person and frame: positions 22x3 | velocities 22x3 | local 6D rotations 21x6 |
foot contacts 4 (left ankle, left toe, right ankle, right toe) = 262.

Processing (REFERENCE section 2): Z-up -> Y-up; each person put on the floor separately;
person 1's frame-0 pelvis moved to x = z = 0 and turned to face +Z; person 2 moved by the
*same* rigid transform, so the pair keeps its true relative placement. A clip of T frames
gives T-1 features (velocity needs the next frame).

One code path does all of this from world positions (``features_from_positions``); the raw
reader, cropping, person swapping and re-canonicalisation all go through it, which keeps
"process a crop of the raw clip" and "crop the processed clip" identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.motion.raw import split_raw, validate_raw
from t2i_core.motion.rotation import heading_angle, matrix_to_rot6d, yaw_matrix
from t2i_core.motion.solver import solve_local_rotations
from t2i_core.skeleton import FOOT_CONTACT_JOINTS, HIPS, NUM_JOINTS

FEATURE_DIM = 262
POSITIONS = slice(0, 66)
VELOCITIES = slice(66, 132)
ROTATIONS = slice(132, 258)
CONTACTS = slice(258, 262)

# Foot-contact thresholds (InterGen's): squared frame-to-frame displacement in m^2, and
# heights in m for the ankle and toe joints, in the order of FOOT_CONTACT_JOINTS.
CONTACT_VELOCITY_SQ = 0.001
CONTACT_HEIGHTS = np.array([0.12, 0.05, 0.12, 0.05])

MIN_CLIP_FRAMES = 15


@dataclass(frozen=True)
class PairTransform:
    """The rigid map from the canonical pair frame back to the source world frame (Y-up).

    ``world = canonical @ yaw_matrix(yaw).T`` rotated back, then shifted by ``offset`` in x/z
    and by each person's ``floor`` height in y.
    """

    yaw: float                 # heading of the reference person's frame-0 forward direction
    offset: np.ndarray         # (3,) reference pelvis at frame 0 (y = 0)
    floors: np.ndarray         # (P,) floor height subtracted from each person

    def to_world(self, joints: np.ndarray) -> np.ndarray:
        """Canonical joints (P, T, 22, 3) -> source-world Y-up joints."""
        world = joints @ yaw_matrix(self.yaw).T + self.offset
        world[..., 1] += self.floors[:, None, None]
        return world


def foot_contacts(positions: np.ndarray) -> np.ndarray:
    """Contacts (T-1, 4) of a floored Y-up person (T, 22, 3), as 0/1 floats."""
    feet = positions[:, FOOT_CONTACT_JOINTS]                        # (T, 4, 3)
    displacement_sq = np.sum((feet[1:] - feet[:-1]) ** 2, axis=-1)  # (T-1, 4)
    low = feet[:-1, :, 1] < CONTACT_HEIGHTS
    return ((displacement_sq < CONTACT_VELOCITY_SQ) & low).astype(np.float64)


def facing_direction(positions: np.ndarray) -> np.ndarray:
    """Horizontal unit forward vector(s) from the hips: (..., 22, 3) -> (..., 3)."""
    across = positions[..., HIPS[1], :] - positions[..., HIPS[0], :]
    forward = np.cross(np.array([0.0, 1.0, 0.0]), across)
    forward[..., 1] = 0.0
    return forward / np.linalg.norm(forward, axis=-1, keepdims=True).clip(1e-8)


def features_from_positions(
    positions: np.ndarray, rot6d: np.ndarray, reference: int = 0
) -> tuple[np.ndarray, PairTransform]:
    """World Y-up positions (P, T, 22, 3) and local 6D (P, T, 21, 6) -> (P, T-1, 262), P = 2 or 1.

    ``reference`` chooses whose frame 0 defines the canonical frame (0 = person 1). With P = 1
    this is a single person's track in its own canonical frame.
    """
    if positions.ndim != 4 or positions.shape[0] not in (1, 2) or positions.shape[2:] != (NUM_JOINTS, 3):
        raise ValueError(f"positions must be (2, T, 22, 3) or (1, T, 22, 3), got {positions.shape}")
    if positions.shape[1] < 2:
        raise ValueError(f"a clip needs at least 2 frames, got {positions.shape[1]}")
    persons = positions.shape[0]
    positions = np.array(positions, dtype=np.float64)
    floors = positions[..., 1].reshape(persons, -1).min(axis=1)
    positions[..., 1] -= floors[:, None, None]

    ref0 = positions[reference, 0]
    offset = np.array([ref0[0, 0], 0.0, ref0[0, 2]])
    yaw = float(heading_angle(facing_direction(ref0)))
    to_canonical = yaw_matrix(-yaw)
    positions = (positions - offset) @ to_canonical.T

    velocities = positions[:, 1:] - positions[:, :-1]
    contacts = np.stack([foot_contacts(p) for p in positions])
    frames = positions.shape[1] - 1
    features = np.concatenate(
        [
            positions[:, :-1].reshape(persons, frames, -1),
            velocities.reshape(persons, frames, -1),
            np.asarray(rot6d, dtype=np.float64)[:, :-1].reshape(persons, frames, -1),
            contacts,
        ],
        axis=-1,
    )
    return features, PairTransform(yaw=yaw, offset=offset, floors=floors)


def person_features_from_joints(joints: np.ndarray) -> np.ndarray:
    """One person's world Y-up joints (T, 22, 3) alone -> (T-1, 262) in its own canonical frame.

    For sources with positions only (HumanML3D, other generators): the local rotations come from
    our own solver (``motion.solver``), the rest of the feature from the positions.
    """
    joints = np.asarray(joints, dtype=np.float64)
    rot6d = matrix_to_rot6d(solve_local_rotations(joints).local_rotations[:, 1:])
    features, _ = features_from_positions(joints[None], rot6d[None])
    return features[0]


def process_pair(raw1: np.ndarray, raw2: np.ndarray) -> tuple[np.ndarray, PairTransform]:
    """Two raw InterHuman arrays (T, 492), Z-up -> canonical pair features (2, T-1, 262) float64."""
    validate_raw(raw1, "person1")
    validate_raw(raw2, "person2")
    if raw1.shape[0] != raw2.shape[0]:
        raise ValueError(f"persons differ in length: {raw1.shape[0]} vs {raw2.shape[0]} frames")
    (p1, r1), (p2, r2) = split_raw(raw1), split_raw(raw2)
    return features_from_positions(np.stack([p1, p2]), np.stack([r1, r2]))


def features_to_joints(features: np.ndarray) -> np.ndarray:
    """Features (..., T, 262) -> joint positions (..., T, 22, 3) in the shared canonical frame."""
    features = np.asarray(features)
    return features[..., POSITIONS].reshape(*features.shape[:-1], NUM_JOINTS, 3)


def positions_with_next_frame(features: np.ndarray) -> np.ndarray:
    """All T+1 frames of positions: the T stored ones plus the one the last velocity reaches."""
    joints = features_to_joints(features)
    last_next = joints[..., -1:, :, :] + features[..., -1:, VELOCITIES].reshape(
        *features.shape[:-2], 1, NUM_JOINTS, 3
    )
    return np.concatenate([joints, last_next], axis=-3)


def recanonicalize(features: np.ndarray, reference: int = 0) -> np.ndarray:
    """Re-process pair features (2, T, 262), or one person's (1, T, 262), as if their frames were a fresh raw clip.

    Used after a crop or a person swap: floors each person again and puts ``reference``'s
    frame 0 at the origin facing +Z, recomputing velocities and contacts.
    """
    positions = positions_with_next_frame(features)
    rot6d = features[..., ROTATIONS].reshape(features.shape[0], -1, NUM_JOINTS - 1, 6)
    rot6d = np.concatenate([rot6d, rot6d[:, -1:]], axis=1)  # the extra frame's rotation is dropped again
    canonical, _ = features_from_positions(positions, rot6d, reference=reference)
    return canonical


def swap_persons(features: np.ndarray) -> np.ndarray:
    """Exchange the roles of the persons: the old person 2 becomes the canonical person 1."""
    return recanonicalize(features[::-1].copy(), reference=0)
