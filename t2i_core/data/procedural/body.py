"""Per-person body proportions: the skeleton's rest offsets scaled to a sampled height.

Heights are uniform in [1.55, 1.95] m; legs, arms and shoulder width vary a few percent on top
of the overall scale, so no two persons share bone lengths. All derived measures (limb lengths,
standing pelvis height, ankle height over a flat foot) are computed from the offsets themselves,
so IK and FK agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.skeleton import REST_OFFSETS

# Height of the rest skeleton: toe joint to head joint, plus sole and crown allowances.
CROWN = 0.13        # head joint -> top of the skull (m, at scale 1)
TOE_CLEARANCE = 0.02  # toe joint height above the floor with the foot flat (m, at scale 1)

LEG_JOINTS = (4, 5, 7, 8)            # knee and ankle offsets (thigh and shin bones)
ARM_JOINTS = (18, 19, 20, 21)        # elbow and wrist offsets (upper arm and forearm)
SHOULDER_JOINTS = (13, 14, 16, 17)   # collar and shoulder offsets (shoulder width)


@dataclass(frozen=True)
class Body:
    """One person's skeleton: rest offsets (22, 3) and measures derived from them."""

    offsets: np.ndarray
    height: float

    @property
    def scale(self) -> float:
        return self.height / 1.70

    @property
    def thigh(self) -> float:
        return float(np.linalg.norm(self.offsets[4]))

    @property
    def shin(self) -> float:
        return float(np.linalg.norm(self.offsets[7]))

    @property
    def leg(self) -> float:
        return self.thigh + self.shin

    @property
    def upper_arm(self) -> float:
        return float(np.linalg.norm(self.offsets[18]))

    @property
    def forearm(self) -> float:
        return float(np.linalg.norm(self.offsets[20]))

    @property
    def arm(self) -> float:
        return self.upper_arm + self.forearm

    @property
    def ankle_height(self) -> float:
        """Ankle joint height with the foot flat on the floor."""
        return float(-self.offsets[10, 1] + TOE_CLEARANCE * self.scale)

    @property
    def foot_half_width(self) -> float:
        """Lateral distance of an ankle from the pelvis in a neutral stance."""
        return float(abs(self.offsets[1, 0] + self.offsets[4, 0] + self.offsets[7, 0]))

    @property
    def ankle_back(self) -> float:
        """Forward offset of the ankles from the pelvis in the rest pose (negative: behind)."""
        return float(self.offsets[1, 2] + self.offsets[4, 2] + self.offsets[7, 2])

    @property
    def stand_pelvis_height(self) -> float:
        """Pelvis height standing relaxed: hip-to-ankle distance at 97% of the leg length."""
        return float(self.ankle_height + 0.97 * self.leg - self.offsets[1, 1])

    @property
    def chest_height(self) -> float:
        """Height of the spine3 joint above the floor when standing."""
        return float(self.stand_pelvis_height + self.offsets[[3, 6, 9], 1].sum())

    @property
    def shoulder_height(self) -> float:
        return float(self.chest_height + self.offsets[13, 1] + self.offsets[16, 1])

    @property
    def head_height(self) -> float:
        return float(self.chest_height + self.offsets[12, 1] + self.offsets[15, 1])


def rest_height(offsets: np.ndarray) -> float:
    """Standing height implied by a set of offsets (toe joint to head joint plus allowances)."""
    head = offsets[[3, 6, 9, 12, 15], 1].sum()
    toe = offsets[[1, 4, 7, 10], 1].sum()
    scale = np.linalg.norm(offsets[6]) / np.linalg.norm(REST_OFFSETS[6])
    return float(head - toe + (CROWN + TOE_CLEARANCE) * scale)


def make_body(height: float, leg: float = 1.0, arm: float = 1.0, width: float = 1.0) -> Body:
    """A body of the given height; ``leg``/``arm``/``width`` are relative proportion factors."""
    offsets = np.array(REST_OFFSETS, dtype=np.float64)
    offsets[list(LEG_JOINTS)] *= leg
    offsets[list(ARM_JOINTS)] *= arm
    offsets[list(SHOULDER_JOINTS), 0] *= width
    offsets *= height / rest_height(offsets)
    offsets.setflags(write=False)
    return Body(offsets=offsets, height=float(height))


def sample_body(rng: np.random.Generator) -> Body:
    """A random adult: height 1.55-1.95 m and +-4% limb proportions."""
    return make_body(
        height=float(rng.uniform(1.55, 1.95)),
        leg=float(rng.uniform(0.96, 1.04)),
        arm=float(rng.uniform(0.96, 1.04)),
        width=float(rng.uniform(0.94, 1.06)),
    )
