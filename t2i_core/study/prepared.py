"""A prepared study on disk: ``study.json`` (prompts, systems, trials) and one ``.npz`` per clip.

    DIR/study.json                     written last, so its presence means every clip is there
    DIR/clips/<system>-p<NN>-s<seed>.npz   joints_mm int16 (2, T, 22, 3), fps, settings (JSON)

Joints are stored as whole millimetres in int16 (2 bytes a number, like the viewer's integer
millimetres): a 3 s clip is 24 kB.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from t2i_core.pipeline import FPS
from t2i_core.study.trials import Trial, apply_variant, split_label

MANIFEST = "study.json"
CLIPS = "clips"
FORMAT = 1


class StudyFolderError(ValueError):
    """A folder that is not a prepared study, with what to do about it."""


def clip_name(system: str, prompt: int, seed: int) -> str:
    return f"{system}-p{prompt:02d}-s{seed}.npz"


def joints_to_millimetres(joints: np.ndarray) -> np.ndarray:
    millimetres = np.rint(np.asarray(joints, dtype=np.float64) * 1000.0)
    if np.abs(millimetres).max(initial=0) > np.iinfo(np.int16).max:
        raise ValueError("a joint lies more than 32 m from the origin; the clip cannot be stored as int16 mm")
    return millimetres.astype(np.int16)


def read_clip(path: Path) -> tuple[np.ndarray, dict]:
    """(joints (2, T, 22, 3) in metres, settings) of one clip file; never unpickles."""
    with np.load(path, allow_pickle=False) as data:
        joints = data["joints_mm"].astype(np.float64) / 1000.0
        settings = json.loads(str(data["settings"]))
    return joints, settings


@dataclass(frozen=True)
class PreparedStudy:
    folder: Path
    name: str
    prompts: tuple[str, ...]
    systems: tuple[str, ...]
    trials: tuple[Trial, ...]
    salt: str          # randomises sides and order per rater
    fps: int = FPS

    @classmethod
    def load(cls, folder: str | Path) -> PreparedStudy:
        folder = Path(folder).expanduser().resolve()
        manifest = folder / MANIFEST
        if not manifest.is_file():
            raise StudyFolderError(f"{folder} is not a prepared study (no {MANIFEST}); make one with "
                                   f"`python -m training.study prepare --config STUDY.json --out {folder}`")
        try:
            values = json.loads(manifest.read_text(encoding="utf-8"))
            if values.get("format") != FORMAT:
                raise StudyFolderError(f"{manifest} has format {values.get('format')!r}, this build reads {FORMAT}")
            trials = tuple(Trial(**t) for t in values["trials"])
            study = cls(folder, values["name"], tuple(values["prompts"]),
                        tuple(s["name"] for s in values["systems"]), trials, values["salt"], int(values["fps"]))
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
            raise StudyFolderError(f"{manifest} is damaged ({type(error).__name__}: {error}); prepare the study "
                                   f"again") from error
        for trial in trials:
            for label in (trial.a, trial.b):
                path = study.clip_path(label, trial)
                if not path.is_file():
                    raise StudyFolderError(f"{folder}: clip {path.name} of trial {trial.id} is missing; run prepare "
                                           f"again to make it")
        if not trials:
            raise StudyFolderError(f"{manifest} lists no trials")
        return study

    def clip_path(self, label: str, trial: Trial) -> Path:
        return self.folder / CLIPS / clip_name(split_label(label)[0], trial.prompt, trial.seed)

    def trial(self, trial_id: str) -> Trial:
        for trial in self.trials:
            if trial.id == trial_id:
                return trial
        raise KeyError(trial_id)

    def joints(self, label: str, trial: Trial) -> np.ndarray:
        """The (2, T, 22, 3) joints a clip label of ``trial`` plays (gold variants applied)."""
        joints, _ = read_clip(self.clip_path(label, trial))
        return apply_variant(joints, split_label(label)[1])
