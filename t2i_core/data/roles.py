"""Who acts when: per-frame actor labels from the procedural data set's phases.

``manifest.json`` records each clip's phases with their frames and initiator (1 or 2, file
order). A contrastive evaluator struggles to learn *who* acts: captions name persons only by role
("the first person", "the other"), so a clip's role structure is a relation between persons over
time, not a property of either person in file order. Dense per-frame labels give the motion tower a
first-order signal (is this person acting now?) to build that relation on. Data without a manifest
(the real InterHuman set) has no labels, and training on it simply skips them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from t2i_core.data.manifest import clip_phases


@dataclass(frozen=True)
class Phase:
    start: int   # first frame
    end: int     # one past the last frame
    actor: int   # the initiator, 0 or 1 in file order


def read_phases(data: str | Path) -> dict[str, tuple[Phase, ...]]:
    """Clip id -> its phases (actor 0 or 1), from the manifest; empty for data without one."""
    return {clip_id: tuple(Phase(span.start, span.end, span.initiator - 1) for span in spans)
            for clip_id, spans in clip_phases(data).items()}


def actor_labels(clip_ids: list[str], swapped: list[bool], starts: list[int], frames: int,
                 phases: dict[str, tuple[Phase, ...]]) -> torch.Tensor:
    """(B, 2, frames): 1 where that person initiates the phase under way, 0 for the other, -1 unknown.

    ``swapped``: the item's persons were swapped (labels follow them); ``starts``: the frame of the
    clip the item's first frame was cropped from.
    """
    labels = torch.full((len(clip_ids), 2, frames), -1.0)
    for i, clip_id in enumerate(clip_ids):
        for phase in phases.get(clip_id, ()):
            first, last = max(phase.start - starts[i], 0), min(phase.end - starts[i], frames)
            if first >= last:
                continue
            actor = 1 - phase.actor if swapped[i] else phase.actor
            labels[i, actor, first:last] = 1.0
            labels[i, 1 - actor, first:last] = 0.0
    return labels


def same_actor_labels(clip_ids: list[str], phases: dict[str, tuple[Phase, ...]]) -> torch.Tensor:
    """Per clip: 1 when the last phase's actor started the clip too, 0 when not, -1 unknown (< 2 phases).

    What an "initiator" twin flips, and what captions say with "the first / the other person";
    a relation between the persons, so the same whichever of them the file lists first.
    """
    values = []
    for clip_id in clip_ids:
        listed = phases.get(clip_id, ())
        values.append(float(listed[-1].actor == listed[0].actor) if len(listed) >= 2 else -1.0)
    return torch.tensor(values)


def token_labels(frame_labels: torch.Tensor, patch: int, tokens: int) -> torch.Tensor:
    """(B, 2, T) frame labels -> (B, 2, tokens): the label at each token's centre frame (-1 beyond T)."""
    centres = torch.arange(tokens) * patch + patch // 2
    out = torch.full((*frame_labels.shape[:2], tokens), -1.0)
    inside = centres < frame_labels.shape[2]
    out[..., inside] = frame_labels[..., centres[inside]]
    return out
