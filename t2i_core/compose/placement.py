"""Where person 2 stands relative to person 1 at the first frame, as the real two-person set has it, per theme.

Person-2 method (b) (``generation.CoupledPerson2``) makes person 2 alone, in its own canonical frame, so
it has to be put somewhere before the pair model couples it to person 1. Measured on each real clip at
frame 0, in person 1's frame (pelvis at the origin, facing +Z):

- ``distance``: horizontal pelvis-to-pelvis distance (m);
- ``bearing``: the direction of person 2's pelvis from person 1's facing (rad; 0 straight ahead,
  positive towards +X);
- ``facing``: person 2's heading minus person 1's (rad, in (-pi, pi]; pi with bearing 0 is face to face).

``PlacementTable.sample(theme, seed)`` draws one real clip of that theme (of all clips when the theme
has fewer than ``MIN_THEME_CLIPS``) and returns its triple, so distance and facing keep their joint
distribution; ``place_person2`` moves a single-person motion there relative to person 1's own frame-0
pose. The real clips are labelled by the prompt space's ``label_caption``, as descriptions are.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from t2i_core.editing import Placement
from t2i_core.motion.features import facing_direction, features_to_joints
from t2i_core.motion.rotation import heading_angle

MIN_THEME_CLIPS = 5  # a theme with fewer real clips draws from every clip instead
PERCENTILES = (10, 50, 90)


class PlacementError(ValueError):
    """A placement table that cannot be built or used, with what to do about it."""


@dataclass(frozen=True)
class RelativePlacement:
    distance: float  # m, pelvis to pelvis on the floor at frame 0
    bearing: float   # rad, person 2's pelvis seen from person 1's facing
    facing: float    # rad, person 2's heading minus person 1's

    def in_person1_frame(self) -> Placement:
        """The rigid move that puts a canonical person (origin, facing +Z) here, in person 1's frame."""
        offset = np.array([self.distance * math.sin(self.bearing), 0.0, self.distance * math.cos(self.bearing)])
        return Placement(float(self.facing), offset)


def _wrap(angle: float) -> float:
    """An angle in (-pi, pi]."""
    wrapped = math.remainder(float(angle), 2 * math.pi)
    return math.pi if wrapped == -math.pi else wrapped


def measure_placement(pair: np.ndarray) -> RelativePlacement:
    """Person 2's placement relative to person 1 at frame 0 of a pair (2, T, 262)."""
    joints = features_to_joints(np.asarray(pair[:, 0], dtype=np.float64))  # (2, 22, 3)
    headings = heading_angle(facing_direction(joints))
    pelvis = joints[:, 0]
    delta = pelvis[1] - pelvis[0]
    c, s = math.cos(headings[0]), math.sin(headings[0])
    # delta in person 1's frame: undo person 1's heading (a turn about +Y by -heading)
    x, z = c * delta[0] - s * delta[2], s * delta[0] + c * delta[2]
    return RelativePlacement(float(math.hypot(x, z)), float(math.atan2(x, z)), _wrap(headings[1] - headings[0]))


def place_person2(person1: np.ndarray, person2: np.ndarray, placement: RelativePlacement) -> np.ndarray:
    """``person2`` (T, 262), a motion alone, moved so that at frame 0 it stands at ``placement`` from ``person1``
    (T', 262)'s frame-0 pelvis and facing. Local rotations and foot contacts are unchanged."""
    alone = Placement.of_frame(person2[None], 0).to_local(person2[None])  # exactly canonical at frame 0
    relative = placement.in_person1_frame().to_world(alone)
    return Placement.of_frame(person1[None], 0).to_world(relative)[0].astype(np.float32)


@dataclass
class PlacementTable:
    """One row per real clip: its theme and its person-2 placement."""

    themes: np.ndarray     # (N,) str
    distance: np.ndarray   # (N,) float64
    bearing: np.ndarray
    facing: np.ndarray

    @classmethod
    def from_pairs(cls, pairs, themes: list[str]) -> PlacementTable:
        measured = [measure_placement(p) for p in pairs]
        if not measured:
            raise PlacementError("no real clips to measure the placement of person 2 on")
        return cls(np.array(themes, dtype=str), *(np.array([getattr(m, k) for m in measured], dtype=np.float64)
                                                   for k in ("distance", "bearing", "facing")))

    @classmethod
    def from_real(cls, real, labeler: Callable[[str], tuple[str, tuple]]) -> PlacementTable:
        """From every clip of a ``run.RealSet`` (frame 0 only), themed by ``labeler(caption)``."""
        pairs = (real.features(i, max_frames=1) for i in range(len(real.ids)))
        return cls.from_pairs(pairs, [labeler(c)[0] for c in real.captions])

    def rows(self, theme: str) -> np.ndarray:
        """The rows a candidate of ``theme`` draws from."""
        mine = np.flatnonzero(self.themes == theme)
        return mine if len(mine) >= MIN_THEME_CLIPS else np.arange(len(self.themes))

    def sample(self, theme: str, seed: int) -> RelativePlacement:
        rows = self.rows(theme)
        row = int(rows[np.random.default_rng(int(seed)).integers(len(rows))])
        return RelativePlacement(float(self.distance[row]), float(self.bearing[row]), float(self.facing[row]))

    def digest(self) -> str:
        """Hex sha256 of the table (a run's identity: another real set gives other placements)."""
        digest = hashlib.sha256()
        digest.update("\x1f".join(self.themes.tolist()).encode())
        for values in (self.distance, self.bearing, self.facing):
            digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
        return digest.hexdigest()

    def summary(self) -> dict:
        """Per theme (and "all"): clips, distance percentiles (m), the share roughly face to face, whether it
        draws from its own clips (for compose.json)."""
        def describe(rows: np.ndarray, own: bool) -> dict:
            facing_each_other = (np.abs(np.abs(self.facing[rows]) - math.pi) < math.pi / 4) & (
                np.abs(self.bearing[rows]) < math.pi / 4)
            return {"clips": len(rows), "own_clips": own,
                    **{f"distance_p{p}": round(float(np.percentile(self.distance[rows], p)), 4) for p in PERCENTILES},
                    "face_to_face": round(float(facing_each_other.mean()), 4)}

        out = {"all": describe(np.arange(len(self.themes)), True)}
        for theme in sorted(set(self.themes.tolist())):
            rows = np.flatnonzero(self.themes == theme)
            out[theme or "(no theme)"] = describe(rows, len(rows) >= MIN_THEME_CLIPS)
        return out
