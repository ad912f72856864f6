"""Training losses of the two-person x0 diffusion model (REFERENCE 6).

Inputs are pairs shaped (B, 2, T, 262) (person axis 1), a frame mask (B, T) and the diffusion
timesteps (B,). ``simple`` compares the normalised x0 directly; the geometric terms de-normalise
both x0 with the data set's mean/std, read the joints from the position channels and only count
samples with t <= ``geometric_t_max`` (at high noise the x0 estimate is a blur and its geometry is
meaningless). Every term is a masked mean: the sum over the entries its mask selects divided by
their count (pooled over the batch), and 0 when nothing qualifies.

Interaction terms, with d_ij the distance between joint i of person 1 and joint j of person 2:
- ``dm`` (InterGen): MSE between predicted and target distance maps where the *predicted*
  distance is < 1 m, as InterGen does. Pairs the model keeps far apart but the data brings close
  are left to ``ja``/``ail``; we keep InterGen's choice so the baseline is the baseline.
- ``ja``: predicted d_ij pushed to 0 where the target d_ij < 0.1 m (joints that touch).
- ``ail`` (Text2Interact's adaptive interaction loss): the error between target and predicted
  d_ij weighted by w_ij = 1 / (d_ij + eps) from the *target* distances, so close pairs matter
  most. It has no 1 m cut-off: the weighting replaces the mask. See ``LossConfig`` for the
  unpublished norm / normalisation / weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from t2i_core.motion.features import CONTACTS, FEATURE_DIM, POSITIONS, VELOCITIES
from t2i_core.skeleton import BONES, FOOT_CONTACT_JOINTS, HIPS, NUM_JOINTS

TERMS = ("simple", "vel", "bl", "fc", "ro", "dm", "ja", "ail", "vc")
PAIR_TERMS = ("ro", "dm", "ja", "ail")  # need two persons; the single-person prior trains without them
INTERACTIONS = ("adaptive", "distance_map")
ADAPTIVE_NORMS = ("l2", "l1")
ADAPTIVE_NORMALIZATIONS = ("mean", "sum", "none")
DISTANCE_MAP_RADIUS = 1.0  # m: DM only looks at pairs predicted closer than this (InterGen)
TOUCH_RADIUS = 0.1  # m: JA pulls together pairs closer than this in the data (InterGen)

_PARENTS = [p for p, _ in BONES]
_CHILDREN = [c for _, c in BONES]


@dataclass
class LossConfig:
    # One weight per term, named as in the returned dict; 0 disables a term (it is not even computed).
    simple: float = 1.0  # MSE of normalised x0 (InterGen)
    vel: float = 30.0  # frame-to-frame joint displacement (InterGen)
    bl: float = 10.0  # 21 bone lengths (InterGen)
    fc: float = 30.0  # foot sliding while the data says contact (InterGen)
    ro: float = 0.01  # relative orientation of the pair (InterGen)
    dm: float = 3.0  # distance map; only with interaction="distance_map" (InterGen)
    ja: float = 3.0  # touching joints stay touching (InterGen), kept by both interaction modes
    # AIL's weight is unpublished. It replaces DM, and with "mean" normalisation its scale is that of
    # an MSE of distances like DM's, so it takes DM's weight.
    ail: float = 3.0
    # Ours: the predicted velocity channels agree with the predicted positions (vel[t] = pos[t+1] -
    # pos[t]), so the two halves of the feature tell one story. 0 (off) in InterGen's recipe.
    vc: float = 0.0
    # "adaptive" = Text2Interact: AIL replaces DM, JA kept. "distance_map" = InterGen: DM + JA, no AIL.
    interaction: str = "adaptive"
    geometric_t_max: int = 700  # geometric terms only for samples with t <= this (InterGen)
    adaptive_eps: float = 0.1  # eps of w = 1 / (d + eps) (paper): caps the weight of touching joints at 10
    # The paper does not publish AIL's norm; "l2" matches the squared errors of every other term.
    adaptive_norm: str = "l2"
    # Nor the normalisation of w. "mean" divides w by its mean over each frame's 22x22 map, so AIL is a
    # weighted average of the errors: the loss scale no longer depends on how close the pair stands
    # (a touching joint pair's raw weight is 10, at 3 m it is 0.32), only which joint pairs dominate
    # does. "sum" makes the weights sum to 1 (= "mean" / 484); "none" uses w as is.
    adaptive_normalization: str = "mean"

    def __post_init__(self):
        if self.interaction not in INTERACTIONS:
            raise ValueError(f"interaction must be one of {INTERACTIONS}, got {self.interaction!r}")
        if self.adaptive_norm not in ADAPTIVE_NORMS:
            raise ValueError(f"adaptive_norm must be one of {ADAPTIVE_NORMS}, got {self.adaptive_norm!r}")
        if self.adaptive_normalization not in ADAPTIVE_NORMALIZATIONS:
            raise ValueError(f"adaptive_normalization must be one of {ADAPTIVE_NORMALIZATIONS}, "
                             f"got {self.adaptive_normalization!r}")
        if not self.adaptive_eps > 0:
            raise ValueError(f"adaptive_eps must be > 0, got {self.adaptive_eps}")
        for name in TERMS:
            if not getattr(self, name) >= 0:
                raise ValueError(f"the weight of {name!r} must be >= 0, got {getattr(self, name)}")

    def weights(self) -> dict[str, float]:
        """The enabled terms and their weights: non-zero, and DM or AIL as ``interaction`` says."""
        dropped = "dm" if self.interaction == "adaptive" else "ail"
        active = {name: float(getattr(self, name)) for name in TERMS if name != dropped}
        return {name: weight for name, weight in active.items() if weight > 0}


# -- geometry ----------------------------------------------------------------------------------
def joints_from_features(features: torch.Tensor) -> torch.Tensor:
    """De-normalised features (..., 262) -> joint positions (..., 22, 3)."""
    return features[..., POSITIONS].unflatten(-1, (NUM_JOINTS, 3))


def interperson_distances(joints1: torch.Tensor, joints2: torch.Tensor) -> torch.Tensor:
    """d[..., i, j] = |joint i of person 1 - joint j of person 2|: (..., 22, 3) x2 -> (..., 22, 22)."""
    return torch.linalg.vector_norm(joints1[..., :, None, :] - joints2[..., None, :, :], dim=-1)


def adaptive_weights(distances: torch.Tensor, eps: float = 0.1, normalization: str = "none") -> torch.Tensor:
    """w_ij = 1 / (d_ij + eps) from real distance maps (..., 22, 22), normalised over each map.

    normalization: "none" = w as is; "mean" = w / mean(w) (mean 1); "sum" = w / sum(w) (sum 1).
    """
    if normalization not in ADAPTIVE_NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {ADAPTIVE_NORMALIZATIONS}, got {normalization!r}")
    weights = 1.0 / (distances + eps)
    if normalization == "mean":
        weights = weights / weights.mean(dim=(-2, -1), keepdim=True)
    elif normalization == "sum":
        weights = weights / weights.sum(dim=(-2, -1), keepdim=True)
    return weights


def adaptive_interaction_weights(
    joints1: torch.Tensor, joints2: torch.Tensor, eps: float = 0.1, normalization: str = "none"
) -> torch.Tensor:
    """AIL weights from the real joints of the two persons (..., 22, 3) -> (..., 22, 22); see adaptive_weights."""
    return adaptive_weights(interperson_distances(joints1, joints2), eps, normalization)


def relative_orientation(joints1: torch.Tensor, joints2: torch.Tensor) -> torch.Tensor:
    """(w, y) of the quaternion about +y turning person 1's forward into person 2's: (..., 22, 3) -> (..., 2).

    forward = cross(up, r_hip - l_hip) = (across_z, 0, -across_x), so its heading in the x-z plane
    needs no normalisation. The angle phi between the two headings is atan2(cross, dot) (scale-free,
    in (-pi, pi]) and the quaternion is (cos(phi / 2), 0, sin(phi / 2), 0): the half-angle form of
    the quaternion between two vectors, without building either quaternion.
    """
    def heading(joints):  # (x, z) of the horizontal forward vector
        across = joints[..., HIPS[1], :] - joints[..., HIPS[0], :]
        return across[..., 2], -across[..., 0]

    x1, z1 = heading(joints1)
    x2, z2 = heading(joints2)
    phi = torch.atan2(z1 * x2 - x1 * z2, x1 * x2 + z1 * z2)
    return torch.stack([torch.cos(phi / 2), torch.sin(phi / 2)], dim=-1)


def bone_lengths(joints: torch.Tensor) -> torch.Tensor:
    """(..., 22, 3) -> (..., 21), in skeleton.BONES order."""
    return torch.linalg.vector_norm(joints[..., _CHILDREN, :] - joints[..., _PARENTS, :], dim=-1)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` where ``mask`` (its leading dims, broadcast over the rest) is True; 0 if none."""
    mask = mask.reshape(*mask.shape, *([1] * (values.ndim - mask.ndim))).expand_as(values)
    # where(), not a product: a non-finite value in a masked-out frame must not leak in
    return torch.where(mask, values, 0.0).sum() / mask.sum().clamp_min(1)


# -- the terms: joints (B, 2, T, 22, 3), frame mask (B, T) --------------------------------------
def _pair_mask(mask: torch.Tensor) -> torch.Tensor:
    """(B, T) -> (B, T-1): a frame-to-frame difference counts only if both frames are real."""
    return mask[:, 1:] & mask[:, :-1]


def velocity_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE of the per-joint displacement pos[t+1] - pos[t]."""
    error = (pred.diff(dim=2) - target.diff(dim=2)) ** 2
    return masked_mean(error, _pair_mask(mask)[:, None].expand(error.shape[:3]))


def velocity_consistency_loss(pred_x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE between the predicted velocity channels and the predicted positions' displacement.

    pred_x: de-normalised features (B, 2, T, 262); feature t holds pos[t] and vel[t] = pos[t+1] - pos[t].
    """
    joints = joints_from_features(pred_x)
    velocities = pred_x[..., VELOCITIES].unflatten(-1, (NUM_JOINTS, 3))
    error = (joints.diff(dim=2) - velocities[:, :, :-1]) ** 2
    return masked_mean(error, _pair_mask(mask)[:, None].expand(error.shape[:3]))


def bone_length_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE of the 21 bone lengths."""
    error = (bone_lengths(pred) - bone_lengths(target)) ** 2
    return masked_mean(error, mask[:, None].expand(error.shape[:3]))


def foot_contact_loss(pred: torch.Tensor, target_contacts: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Squared displacement of the 4 foot joints over the (frame, foot) entries in contact in the data.

    target_contacts (B, 2, T, 4) in FOOT_CONTACT_JOINTS order; contact at frame t refers to the
    step t -> t+1 (it is computed from that displacement), so it gates pos[t+1] - pos[t].
    """
    slide = pred[..., FOOT_CONTACT_JOINTS, :].diff(dim=2)  # (B, 2, T-1, 4, 3)
    selected = (target_contacts[:, :, :-1] > 0.5) & _pair_mask(mask)[:, None, :, None]
    return masked_mean(slide**2, selected)


def relative_orientation_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE of the relative-orientation quaternion's (w, y), up to its sign.

    q and -q are the same rotation and the half-angle form flips sign where phi crosses +-pi,
    which is exactly two persons facing each other; a plain MSE would charge up to 2 for a tiny
    turn there. We compare with whichever of +-q_target is closer (equal to the plain MSE
    whenever the two agree in sign, i.e. almost everywhere).
    """
    q_pred = relative_orientation(pred[:, 0], pred[:, 1])
    q_target = relative_orientation(target[:, 0], target[:, 1])
    error = torch.minimum(((q_pred - q_target) ** 2).mean(-1), ((q_pred + q_target) ** 2).mean(-1))
    return masked_mean(error, mask)


def distance_map_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """InterGen's DM: MSE of the 22x22 distance maps where the predicted distance is < 1 m."""
    return distance_map_from_distances(interperson_distances(pred[:, 0], pred[:, 1]),
                                       interperson_distances(target[:, 0], target[:, 1]), mask)


def distance_map_from_distances(d_pred: torch.Tensor, d_target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """DM on distance maps (B, T, 22, 22) computed once for all the distance-based terms."""
    selected = (d_pred.detach() < DISTANCE_MAP_RADIUS) & mask[..., None, None]
    return masked_mean((d_pred - d_target) ** 2, selected)


def joint_affinity_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """JA: squared predicted distance of the joint pairs closer than 0.1 m in the data.

    It pulls towards 0, not towards the data's distance, so even the target itself scores the
    mean squared distance of its touching pairs (at most 0.01); FC likewise scores the data's own
    residual foot slide (< 0.001 m^2 per contact frame by the contact definition).
    """
    return joint_affinity_from_distances(interperson_distances(pred[:, 0], pred[:, 1]),
                                         interperson_distances(target[:, 0], target[:, 1]), mask)


def joint_affinity_from_distances(d_pred: torch.Tensor, d_target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """JA on distance maps (B, T, 22, 22)."""
    selected = (d_target < TOUCH_RADIUS) & mask[..., None, None]
    return masked_mean(d_pred**2, selected)


def adaptive_distance_loss(
    d_pred: torch.Tensor,
    d_target: torch.Tensor,
    mask: torch.Tensor,
    eps: float = 0.1,
    norm: str = "l2",
    normalization: str = "mean",
) -> torch.Tensor:
    """Mean over real frames and all 22x22 pairs of w_ij * |d_ij - d^_ij|^p, maps (B, T, 22, 22)."""
    if norm not in ADAPTIVE_NORMS:
        raise ValueError(f"norm must be one of {ADAPTIVE_NORMS}, got {norm!r}")
    weights = adaptive_weights(d_target, eps, normalization)
    error = (d_target - d_pred) ** 2 if norm == "l2" else (d_target - d_pred).abs()
    return masked_mean(weights * error, mask)


def adaptive_interaction_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor,
    eps: float = 0.1,
    norm: str = "l2",
    normalization: str = "mean",
) -> torch.Tensor:
    """Text2Interact's AIL on joints (B, 2, T, 22, 3): weights from the target's (real) distances."""
    d_pred = interperson_distances(pred[:, 0], pred[:, 1])
    d_target = interperson_distances(target[:, 0], target[:, 1])
    return adaptive_distance_loss(d_pred, d_target, mask, eps, norm, normalization)


class InteractionLoss(nn.Module):
    """The weighted sum of the enabled terms of ``LossConfig``; returns it and each term (0-d tensors).

    mean, std (262,): the normalisation the network's x0 lives in; non-persistent buffers (they
    belong to the model's checkpoint, not to the loss) that follow ``.to(device)``.
    """

    def __init__(self, config: LossConfig, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.config = config
        self.term_weights = config.weights()
        mean, std = (torch.as_tensor(v) for v in (mean, std))
        mean, std = (v if v.is_floating_point() else v.float() for v in (mean, std))
        if mean.shape != (FEATURE_DIM,) or std.shape != (FEATURE_DIM,):
            raise ValueError(f"mean and std must be ({FEATURE_DIM},), got {tuple(mean.shape)}, {tuple(std.shape)}")
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)

    def forward(
        self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, timesteps: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """pred, target: normalised x0 (B, P, T, 262) with P = 2 persons (or 1 when no pair term is on);
        mask (B, T) bool, True on real frames; timesteps (B,)."""
        if pred.shape != target.shape or pred.ndim != 4 or pred.shape[1] not in (1, 2) or pred.shape[-1] != FEATURE_DIM:
            raise ValueError(f"pred and target must both be (B, 2, T, {FEATURE_DIM}) or (B, 1, T, {FEATURE_DIM}), "
                             f"got {tuple(pred.shape)} and {tuple(target.shape)}")
        batch, persons, frames, _ = pred.shape
        pair_terms = [name for name in PAIR_TERMS if name in self.term_weights]
        if persons == 1 and pair_terms:
            raise ValueError(f"a single person has no partner: set the weights of {', '.join(pair_terms)} to 0")
        if mask.shape != (batch, frames) or mask.dtype != torch.bool:
            raise ValueError(f"mask must be bool ({batch}, {frames}), got {mask.dtype} {tuple(mask.shape)}")
        if timesteps.shape != (batch,):
            raise ValueError(f"timesteps must be ({batch},), got {tuple(timesteps.shape)}")

        terms: dict[str, torch.Tensor] = {}
        if "simple" in self.term_weights:
            terms["simple"] = masked_mean((pred - target) ** 2, mask[:, None].expand(batch, persons, frames))
        geometric = [name for name in self.term_weights if name != "simple"]
        if geometric:
            # Geometric terms count only at t <= geometric_t_max: skip the other rows altogether
            # (the same value as masking them, at a fraction of the forward-kinematics cost).
            rows = torch.nonzero(timesteps <= self.config.geometric_t_max).flatten()
            geo_mask = mask[rows]
            pred_x = pred[rows] * self.std.to(pred.dtype) + self.mean.to(pred.dtype)
            target_x = target[rows] * self.std.to(target.dtype) + self.mean.to(target.dtype)
            p, t = joints_from_features(pred_x), joints_from_features(target_x)
            c = self.config
            distances = {}

            def maps():  # the 22x22 inter-person distance maps, shared by DM, JA and AIL
                if not distances:
                    distances["pred"] = interperson_distances(p[:, 0], p[:, 1])
                    distances["target"] = interperson_distances(t[:, 0], t[:, 1])
                return distances["pred"], distances["target"]

            compute = {
                "vel": lambda: velocity_loss(p, t, geo_mask),
                "vc": lambda: velocity_consistency_loss(pred_x, geo_mask),
                "bl": lambda: bone_length_loss(p, t, geo_mask),
                "fc": lambda: foot_contact_loss(p, target_x[..., CONTACTS], geo_mask),
                "ro": lambda: relative_orientation_loss(p, t, geo_mask),
                "dm": lambda: distance_map_from_distances(*maps(), geo_mask),
                "ja": lambda: joint_affinity_from_distances(*maps(), geo_mask),
                "ail": lambda: adaptive_distance_loss(
                    *maps(), geo_mask, c.adaptive_eps, c.adaptive_norm, c.adaptive_normalization
                ),
            }
            for name in geometric:
                terms[name] = compute[name]()
        total = sum((self.term_weights[name] * value for name, value in terms.items()), pred.new_zeros(()))
        return total, terms
