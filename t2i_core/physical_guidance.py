"""Physical guidance at sampling: nudge each step's predicted clean motion out of physical errors.

The paper names foot sliding and interpenetration as its limitations. At every late denoising step
(t <= ``t_max``, where the x0 estimate is sharp enough to have a geometry) a few gradient steps
move each person, frame by frame, as a rigid whole (one 3-D offset per person and frame, so bodies
keep their shape) to lower an energy of three terms, each a sum of squared violations in metres:

- inter-person penetration: the torso capsules of the two persons (the protocol's own, see
  ``metrics.TORSO_JOINTS`` / ``TORSO_RADIUS``) closer than two radii;
- floor penetration: joints below the floor (y < 0);
- foot sliding: horizontal motion of a foot joint between frames where the prediction's own contact
  channel says the foot is planted.

A step of 0.5 on a sum of squares would remove an isolated violation at once (its gradient is twice
the violation), but one offset takes part in many terms (two frame steps of four feet, 121 torso
point pairs), so the default step is 0.05 and each iteration moves a person by at most
``max_move`` per frame: the descent cannot overshoot and blow up.
The positions move by the offsets and the velocity channels by their frame differences, so the
feature stays self-consistent; rotations are unchanged (a rigid move does not rotate the body).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from t2i_core.metrics import TORSO_JOINTS, TORSO_RADIUS
from t2i_core.motion.features import CONTACTS, POSITIONS, VELOCITIES
from t2i_core.skeleton import FOOT_CONTACT_JOINTS, NUM_JOINTS

CONTACT_THRESHOLD = 0.5  # a predicted contact channel above this counts as a planted foot


@dataclass
class PhysicalGuidanceConfig:
    iterations: int = 4          # gradient steps per denoising step
    step_size: float = 0.05      # on the sum-of-squares energy
    max_move: float = 0.02       # m: the most one iteration moves a person in one frame
    t_max: int = 500             # only at t <= t_max: earlier x0 estimates are a blur
    penetration: float = 1.0     # weight of the inter-person penetration term
    floor: float = 1.0           # weight of the floor term
    foot_slide: float = 1.0      # weight of the foot-sliding term

    def __post_init__(self):
        if self.iterations < 1 or not self.step_size > 0 or not self.max_move > 0:
            raise ValueError(f"iterations must be >= 1 and step_size, max_move > 0, got {self.iterations}, "
                             f"{self.step_size}, {self.max_move}")
        for name in ("penetration", "floor", "foot_slide"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"the weight {name} must be >= 0, got {getattr(self, name)}")


def _torso_points(joints: torch.Tensor) -> torch.Tensor:
    """(..., 22, 3) -> (..., 11, 3): the spine joints and the midpoints between them."""
    spine = joints[..., list(TORSO_JOINTS), :]
    return torch.cat([spine, (spine[..., 1:, :] + spine[..., :-1, :]) / 2], dim=-2)


def physical_energy(joints: torch.Tensor, contacts: torch.Tensor, frame_mask: torch.Tensor,
                    config: PhysicalGuidanceConfig) -> dict[str, torch.Tensor]:
    """Each term's energy (a sum of squared violations in m^2) of joints (B, P, T, 22, 3).

    contacts (B, P, T, 4) predicted contact channels; frame_mask (B, T) real frames.
    """
    mask = frame_mask[:, None, :].to(joints.dtype)  # (B, 1, T)
    terms = {}
    if config.floor > 0:
        below = torch.relu(-joints[..., 1]) ** 2  # (B, P, T, 22)
        terms["floor"] = (below.sum(-1) * mask).sum()
    if config.foot_slide > 0:
        feet = joints[..., FOOT_CONTACT_JOINTS, :]
        step = feet[:, :, 1:] - feet[:, :, :-1]
        slide = step[..., 0] ** 2 + step[..., 2] ** 2  # horizontal only: a foot may lift off
        planted = (contacts[:, :, :-1] > CONTACT_THRESHOLD).to(joints.dtype)
        pair_mask = (mask[..., 1:] * mask[..., :-1])[..., None]
        terms["foot_slide"] = (slide * planted * pair_mask).sum()
    if config.penetration > 0 and joints.shape[1] == 2:
        a, b = _torso_points(joints[:, 0]), _torso_points(joints[:, 1])  # (B, T, 11, 3)
        distances = torch.linalg.vector_norm(a[:, :, :, None] - b[:, :, None], dim=-1)  # (B, T, 11, 11)
        overlap = torch.relu(2 * TORSO_RADIUS - distances) ** 2
        terms["penetration"] = (overlap.sum((-1, -2)) * frame_mask.to(joints.dtype)).sum()
    return terms


class PhysicalGuidance:
    """An ``x0_transform`` for ``sampling.denoise`` on normalised features (B, P, T, 262)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, frame_mask: torch.Tensor,
                 config: PhysicalGuidanceConfig | None = None):
        self.mean, self.std, self.frame_mask = mean, std, frame_mask
        self.config = config or PhysicalGuidanceConfig()

    def __call__(self, x0: torch.Tensor, t: int, i: int) -> torch.Tensor:
        if t > self.config.t_max:
            return x0
        rows = x0.shape[0]
        mask = self.frame_mask.repeat(rows // self.frame_mask.shape[0], 1)
        features = x0 * self.std + self.mean
        joints = features[..., POSITIONS].unflatten(-1, (NUM_JOINTS, 3)).detach()
        contacts = features[..., CONTACTS].detach()
        weights = {"floor": self.config.floor, "foot_slide": self.config.foot_slide,
                   "penetration": self.config.penetration}
        offsets = torch.zeros(*joints.shape[:3], 3, dtype=joints.dtype, device=joints.device)
        with torch.enable_grad():
            for _ in range(self.config.iterations):
                offsets.requires_grad_(True)
                terms = physical_energy(joints + offsets[..., None, :], contacts, mask, self.config)
                energy = sum(weights[name] * value for name, value in terms.items())
                if not torch.is_tensor(energy) or not energy.requires_grad:
                    break
                (gradient,) = torch.autograd.grad(energy, offsets)
                move = -self.config.step_size * gradient
                length = torch.linalg.vector_norm(move, dim=-1, keepdim=True)
                move = move * (self.config.max_move / length.clamp_min(self.config.max_move))
                offsets = (offsets + move).detach()
        offsets = offsets.detach() * mask[:, None, :, None].to(offsets.dtype)
        moved = features.clone()
        moved[..., POSITIONS] = (joints + offsets[..., None, :]).flatten(-2)
        velocity_change = torch.zeros_like(offsets)
        velocity_change[:, :, :-1] = offsets[:, :, 1:] - offsets[:, :, :-1]  # vel[t] = pos[t+1] - pos[t]
        moved[..., VELOCITIES] = features[..., VELOCITIES] + velocity_change.repeat(1, 1, 1, NUM_JOINTS)
        return (moved - self.mean) / self.std
