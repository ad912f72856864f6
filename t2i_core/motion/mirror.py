"""Left/right mirroring of a pair's features and of captions (REFERENCE section 3).

Mirroring negates x and swaps the left and right chains. For 6D rotations in our layout
(see ``rotation.py``) the reflection S R S negates components 1, 2 and 4.
"""

from __future__ import annotations

import re

import numpy as np

from t2i_core.motion.features import CONTACTS, POSITIONS, ROTATIONS, VELOCITIES
from t2i_core.skeleton import NUM_JOINTS, mirror_permutation

_JOINT_PERM = mirror_permutation()
_BONE_PERM = _JOINT_PERM[1:] - 1               # rotations are stored for joints 1..21
_CONTACT_PERM = np.array([2, 3, 0, 1])         # (l_ankle, l_toe, r_ankle, r_toe)
_ROT6D_SIGN = np.array([1.0, -1.0, -1.0, 1.0, -1.0, 1.0])


def mirror_features(features: np.ndarray) -> np.ndarray:
    """Mirror features (..., T, 262); applying it twice gives the input back."""
    features = np.asarray(features)
    lead = features.shape[:-1]
    out = np.empty_like(features)
    for part in (POSITIONS, VELOCITIES):
        xyz = features[..., part].reshape(*lead, NUM_JOINTS, 3)[..., _JOINT_PERM, :].copy()
        xyz[..., 0] *= -1
        out[..., part] = xyz.reshape(*lead, -1)
    rot = features[..., ROTATIONS].reshape(*lead, NUM_JOINTS - 1, 6)[..., _BONE_PERM, :] * _ROT6D_SIGN
    out[..., ROTATIONS] = rot.reshape(*lead, -1)
    out[..., CONTACTS] = features[..., CONTACTS][..., _CONTACT_PERM]
    return out


# One pass with a single alternation, so "counterclockwise" is never re-matched as "clockwise"
# (InterGen's chained replace turns it into "countercounterclockwise").
_SWAPS = {
    "left": "right", "right": "left",
    "clockwise": "counterclockwise", "counterclockwise": "clockwise",
    "counter-clockwise": "clockwise", "anticlockwise": "clockwise", "anti-clockwise": "clockwise",
}
_WORD = re.compile(
    r"\b(counter-clockwise|counterclockwise|anti-clockwise|anticlockwise|clockwise|left|right)(?=wards?\b|\b)",
    re.IGNORECASE,
)


def _match_case(source: str, replacement: str) -> str:
    if source.isupper():
        return replacement.upper()
    if source[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def mirror_caption(text: str) -> str:
    """Swap left<->right and clockwise<->counterclockwise, keeping capitalisation.

    Words are matched whole ("leftover", "bright" untouched); "leftward(s)" and "right-hand"
    are swapped through their stem. It is an involution on the words left, right, clockwise
    and counterclockwise; the other spellings of counterclockwise (anticlockwise,
    counter-clockwise) mirror to "clockwise", which mirrors back to "counterclockwise".
    """
    return _WORD.sub(lambda m: _match_case(m.group(0), _SWAPS[m.group(0).lower()]), text)
