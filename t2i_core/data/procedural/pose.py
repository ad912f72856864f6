"""From a person's control tracks to exact local rotations and joint positions.

``Controls`` is what interaction phases write: a ground trajectory and heading, posture scalars
(crouch, bow, lean, twist, shrug), optional hand and foot targets with blend weights, raised feet
(``foot_raise``: body-frame ankle offsets over the gait's footprints), airborne height (``air``:
both feet and the pelvis lifted, for jumps and hops; ``carry`` frames move the footprints with
the pelvis, so a jump can travel or turn) and gaze. ``solve``
turns them into a pose per frame: footsteps (``locomotion.plan_steps``), a pelvis height that
keeps both planted feet reachable, spine and neck rotations, two-bone IK for the limbs; then the
local rotations go through forward kinematics, so positions and rotations agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from t2i_core.data.procedural.body import Body
from t2i_core.data.procedural.ik import limb_rotations, look_angles, normalize, rot_x, rot_y, rot_z, two_bone_ik
from t2i_core.data.procedural.locomotion import Gait, plan_steps
from t2i_core.data.procedural.timeline import smooth
from t2i_core.motion.kinematics import forward_kinematics
from t2i_core.motion.rotation import yaw_matrix

LEFT, RIGHT = 0, 1
SIDE_SIGN = (1.0, -1.0)        # body-frame x of the left / right side (left is +X)
# (collar, shoulder, elbow, wrist) and (hip, knee, ankle, toe) joint indices per side.
ARM = ((13, 16, 18, 20), (14, 17, 19, 21))
LEG = ((1, 4, 7, 10), (2, 5, 8, 11))
ARM_HINGE = (np.array([0.0, -1.0, 0.0]), np.array([0.0, 1.0, 0.0]))  # rest elbow axes (flex to +Z)
LEG_HINGE = np.array([1.0, 0.0, 0.0])                                  # rest knee axis (flex to -Z)


@dataclass
class Controls:
    """Per-frame controls of one person (arrays preallocated to ``capacity`` frames)."""

    capacity: int
    root_xz: np.ndarray = field(init=False)
    heading: np.ndarray = field(init=False)
    crouch: np.ndarray = field(init=False)       # pelvis lowered by this many metres
    bow: np.ndarray = field(init=False)          # forward bend of the trunk (rad), negative leans back
    lean: np.ndarray = field(init=False)         # sideways lean (rad), positive towards the left
    twist: np.ndarray = field(init=False)        # trunk twist about +Y (rad), positive turns left
    hip_shift: np.ndarray = field(init=False)    # (n, 2) body-frame pelvis offset (x left, z forward)
    hand: np.ndarray = field(init=False)         # (2, n, 3) world wrist targets
    hand_w: np.ndarray = field(init=False)       # (2, n)
    pole: np.ndarray = field(init=False)         # (2, n, 3) body-frame elbow pole directions
    foot: np.ndarray = field(init=False)         # (2, n, 3) world ankle targets (kicks)
    foot_w: np.ndarray = field(init=False)       # (2, n)
    lock: np.ndarray = field(init=False)         # (n,) no new steps
    air: np.ndarray = field(init=False)          # (n,) both feet and the pelvis lifted by this (jumps)
    carry: np.ndarray = field(init=False)        # (n,) footprints follow the pelvis (airborne travel)
    foot_raise: np.ndarray = field(init=False)   # (2, n, 3) body-frame ankle offsets over the footprints
    shrug: np.ndarray = field(init=False)        # (2, n) extra collar elevation (rad) per side
    look: np.ndarray = field(init=False)         # (n, 3) world gaze target overriding the partner
    look_w: np.ndarray = field(init=False)       # (n,) weight of ``look``
    gaze_partner: np.ndarray = field(init=False)  # (n,) weight of looking at the partner's head
    cadence: float = 1.0
    arm_swing: float = 1.0
    # Targets that depend on solved poses: (hand side, start, stop, fn(partner, own)), both (n, 22, 3).
    hand_fns: list = field(default_factory=list)

    def __post_init__(self):
        n = self.capacity
        self.root_xz = np.zeros((n, 2))
        self.heading = np.zeros(n)
        self.crouch = np.zeros(n)
        self.bow = np.zeros(n)
        self.lean = np.zeros(n)
        self.twist = np.zeros(n)
        self.hip_shift = np.zeros((n, 2))
        self.hand = np.zeros((2, n, 3))
        self.hand_w = np.zeros((2, n))
        self.pole = np.zeros((2, n, 3))
        self.foot = np.zeros((2, n, 3))
        self.foot_w = np.zeros((2, n))
        self.lock = np.zeros(n, bool)
        self.air = np.zeros(n)
        self.carry = np.zeros(n, bool)
        self.foot_raise = np.zeros((2, n, 3))
        self.shrug = np.zeros((2, n))
        self.look = np.zeros((n, 3))
        self.look_w = np.zeros(n)
        self.gaze_partner = np.full(n, 0.85)

    def truncated(self, n: int) -> Controls:
        """A copy holding the first ``n`` frames."""
        out = Controls(n, cadence=self.cadence, arm_swing=self.arm_swing, hand_fns=list(self.hand_fns))
        for name in ("root_xz", "heading", "crouch", "bow", "lean", "twist", "lock", "look", "look_w",
                     "gaze_partner", "hip_shift", "air", "carry"):
            setattr(out, name, getattr(self, name)[:n].copy())
        for name in ("hand", "hand_w", "pole", "foot", "foot_w", "foot_raise", "shrug"):
            setattr(out, name, getattr(self, name)[:, :n].copy())
        return out


@dataclass
class Pose:
    positions: np.ndarray    # (T, 22, 3) Y-up metres
    local: np.ndarray        # (T, 21, 3, 3) local rotations of joints 1..21
    root: np.ndarray         # (T, 3, 3)
    stance: np.ndarray       # (2, T) planted flags (left, right)


def body_frame(heading: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Body-frame vectors (..., 3) (x left, y up, z forward) -> world, per frame."""
    return np.einsum("tij,t...j->t...i", yaw_matrix(heading), local)


def raised(c: Controls) -> np.ndarray:
    """(2, n) frames where a foot is off its footprint: lifted (``foot_raise``, ``air``) or moved by ``foot_raise``."""
    offset = c.foot_raise[..., [0, 2]]
    moving = np.linalg.norm(np.diff(offset, axis=1, prepend=offset[:, :1]), axis=-1) > 1e-4
    return (c.foot_raise[..., 1] > 0.01) | (c.air[None] > 0.01) | moving


def gait_for(body: Body, c: Controls) -> Gait:
    lock = c.lock | (c.foot_w.max(axis=0) > 0) | np.any(c.foot_raise != 0, axis=(0, 2))
    return plan_steps(c.root_xz, c.heading, body.foot_half_width, body.ankle_back + 0.01 * body.scale,
                      body.scale, lock=lock, cadence=c.cadence, carry=c.carry if c.carry.any() else None)


def solve(body: Body, c: Controls, gait: Gait, partner: np.ndarray | None = None,
          own: np.ndarray | None = None) -> Pose:
    """Pose of one person; ``partner`` (T, 22, 3) enables gaze and partner-relative hand targets,
    which may also use ``own``, this person's pose from a first pass without them."""
    off = body.offsets
    n = len(c.heading)
    yaw = yaw_matrix(c.heading)

    # Hand targets that depend on the partner's pose.
    hand, hand_w = c.hand.copy(), c.hand_w.copy()
    for side, start, stop, fn in c.hand_fns:
        if partner is None:
            hand_w[side, start:stop] = 0.0
        else:
            hand[side, start:stop] = fn(partner[start:stop], None if own is None else own[start:stop])

    # Feet: planted/swinging ankles from the gait, blended with kick targets.
    ankle = np.empty((2, n, 3))
    ankle[..., 0] = gait.ankle_xz[..., 0]
    ankle[..., 2] = gait.ankle_xz[..., 1]
    ankle[..., 1] = body.ankle_height + gait.lift
    pitch = 0.22 * np.sin(2 * np.pi * gait.swing) * (gait.swing > 0) * (gait.swing < 1)
    # Raised feet and jumps (only touched when used, so clips without them keep their exact bits).
    if np.any(c.foot_raise):
        for f in (0, 1):
            ankle[f] += body_frame(c.heading, c.foot_raise[f])
    if np.any(c.air):
        ankle[..., 1] += c.air
        pitch = pitch - 0.5 * np.clip(c.air / (0.12 * body.scale), 0.0, 1.0)   # toes point down in the air
    fw = c.foot_w[..., None]
    ankle = ankle * (1 - fw) + c.foot * fw
    pitch = pitch - 0.5 * c.foot_w
    foot_rot = [yaw_matrix(gait.foot_heading[f]) @ rot_x(pitch[f]) for f in (0, 1)]

    # Pelvis: orientation, sideways sway over the stance foot, height limited by leg reach.
    swing_flag = smooth((gait.lift > 0).astype(float), 2.5)
    shift = c.hip_shift.copy()
    shift[:, 0] += 0.022 * body.scale * (swing_flag[1] - swing_flag[0])
    pelvis = np.zeros((n, 3))
    pelvis[:, [0, 2]] = c.root_xz + body_frame(c.heading, np.pad(shift, ((0, 0), (0, 1)))[:, [0, 2, 1]])[:, [0, 2]]
    root = yaw @ rot_x(0.25 * c.bow) @ rot_z(0.3 * c.lean)
    nominal = body.stand_pelvis_height - c.crouch + 0.012 * body.scale * (swing_flag[0] + swing_flag[1])
    if np.any(c.air):
        nominal = nominal + c.air
    limit = np.full(n, np.inf)
    for f in (0, 1):
        hip = root @ off[LEG[f][0]]
        dxz = np.hypot(pelvis[:, 0] + hip[:, 0] - ankle[f, :, 0], pelvis[:, 2] + hip[:, 2] - ankle[f, :, 2])
        reach = 0.995 * body.leg
        y_max = ankle[f, :, 1] - hip[:, 1] + np.sqrt(np.maximum(reach**2 - dxz**2, (0.3 * reach) ** 2))
        limit = np.minimum(limit, np.where(c.foot_w[f] > 0, np.inf, y_max))
    height = np.minimum(nominal, limit)
    pelvis[:, 1] = np.minimum(smooth(height, 1.5), limit)

    # Trunk: bow / lean / twist spread over the three spine joints (the pelvis took a quarter).
    local = np.broadcast_to(np.eye(3), (n, 21, 3, 3)).copy()
    spine = rot_x(0.25 * c.bow) @ rot_z(0.23 * c.lean) @ rot_y(c.twist / 3)
    for j in (3, 6, 9):
        local[:, j - 1] = spine

    # Collars lift when a hand reaches above the shoulder.
    torso, glob = forward_kinematics(local, pelvis, off, root)
    for side in (0, 1):
        rise = np.clip((hand[side, :, 1] - body.shoulder_height + c.crouch) / body.arm, 0.0, 1.0)
        elev = 0.3 * hand_w[side] * rise
        if np.any(c.shrug[side]):
            elev = elev + c.shrug[side]
        local[:, ARM[side][0] - 1] = rot_z(SIDE_SIGN[side] * elev)
    torso, glob = forward_kinematics(local, pelvis, off, root)

    # Legs: two-bone IK to the ankle targets, knees towards the feet's forward direction.
    for f in (0, 1):
        hip_j, knee_j, ankle_j, _ = LEG[f]
        fwd = foot_rot[f][:, :, 2]
        pole = fwd + SIDE_SIGN[f] * 0.15 * foot_rot[f][:, :, 0]
        hip_p = torso[:, hip_j]
        knee_p, ankle_p, hinge = two_bone_ik(hip_p, ankle[f], body.thigh, body.shin, pole)
        g_upper, g_lower = limb_rotations(hip_p, knee_p, ankle_p, hinge, off[knee_j], off[ankle_j], LEG_HINGE)
        local[:, hip_j - 1] = np.swapaxes(root, -1, -2) @ g_upper
        local[:, knee_j - 1] = np.swapaxes(g_upper, -1, -2) @ g_lower
        local[:, ankle_j - 1] = np.swapaxes(g_lower, -1, -2) @ foot_rot[f]

    # Arms: hanging with a gait-driven swing by default, blended towards task targets.
    for side in (0, 1):
        collar_j, shoulder_j, elbow_j, wrist_j = ARM[side]
        sign = SIDE_SIGN[side]
        shoulder = torso[:, shoulder_j]
        other = 1 - side
        ahead = np.einsum("ti,ti->t", np.pad(gait.ankle_xz[other] - c.root_xz, ((0, 0), (0, 1)))[:, [0, 2, 1]],
                          yaw[:, :, 2])
        phi = smooth(c.arm_swing * np.clip(ahead / (0.5 * body.leg), -1, 1) * 0.4, 2.0)
        hang = np.stack([np.full(n, sign * 0.12), -np.cos(phi), np.sin(phi) + 0.08], axis=-1)
        default = shoulder + 0.95 * body.arm * body_frame(c.heading, normalize(hang))
        w = hand_w[side][:, None]
        target = default * (1 - w) + hand[side] * w
        pole_local = normalize(np.array([sign * 0.35, -0.25, -1.0]) * (1 - w) + c.pole[side] * w)
        pole = body_frame(c.heading, pole_local)
        elbow_p, wrist_p, hinge = two_bone_ik(shoulder, target, body.upper_arm, body.forearm, pole)
        g_upper, g_lower = limb_rotations(shoulder, elbow_p, wrist_p, hinge, off[elbow_j], off[wrist_j],
                                          ARM_HINGE[side])
        g_collar = glob[:, collar_j]
        local[:, shoulder_j - 1] = np.swapaxes(g_collar, -1, -2) @ g_upper
        local[:, elbow_j - 1] = np.swapaxes(g_upper, -1, -2) @ g_lower

    # Head: look at the partner's head (or an explicit target), split between neck and head.
    w_look = np.zeros(n)
    target = np.zeros((n, 3))
    if partner is not None:
        target = partner[:, 15].copy()
        w_look = c.gaze_partner.copy()
    target = target * (1 - c.look_w[:, None]) + c.look * c.look_w[:, None]
    w_look = np.maximum(w_look, c.look_w)
    direction = np.einsum("tji,tj->ti", glob[:, 9], target - torso[:, 12])
    yaw_a, pitch_a = look_angles(direction)
    yaw_a = smooth(np.clip(yaw_a, -1.2, 1.2) * w_look, 2.0)
    pitch_a = smooth(np.clip(pitch_a, -0.5, 0.6) * w_look, 2.0)
    local[:, 11] = rot_y(0.4 * yaw_a) @ rot_x(0.4 * pitch_a)
    local[:, 14] = rot_y(0.6 * yaw_a) @ rot_x(0.6 * pitch_a)

    positions, _ = forward_kinematics(local, pelvis, off, root)
    return Pose(positions=positions, local=local, root=root, stance=gait.stance & (c.foot_w == 0) & ~raised(c))
