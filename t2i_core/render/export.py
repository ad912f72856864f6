"""The downloads of one generated sample: ``.npz``, one BVH per person and the settings JSON.

Every file is written atomically into the caller's folder (the app gives each browser session
its own temporary folder), under a name built from the prompt and the seed so that files of
several samples can sit side by side in a user's Downloads folder.

The ``.npz`` holds ``joints`` (2, T, 22, 3) float32 metres (Y-up, 30 fps), ``features``
(2, T, 262) float32, ``prompt`` and ``text`` (the same string), ``fps``, ``seed`` and ``settings``
(JSON text): the same keys as ``python -m t2i_core.generate`` writes, plus ``prompt`` and ``seed``.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from t2i_core.io import atomic_write_text, save_npz
from t2i_core.render.bvh import write_bvh
from t2i_core.render.playback import check_joints
from t2i_core.skeleton import FPS


@dataclass(frozen=True)
class ExportedFiles:
    npz: Path
    bvh: tuple[Path, ...]
    settings: Path

    def all(self) -> list[Path]:
        return [self.npz, *self.bvh, self.settings]


MAX_STEM_WORDS_CHARS = 48  # the prompt's part of a file name; with the seed and a suffix well under 255 bytes


def file_stem(prompt: str, seed: int, max_words: int = 6) -> str:
    """A safe, readable file name stem: the prompt's first words (ASCII letters and digits, at most
    ``MAX_STEM_WORDS_CHARS`` characters, a long word cut) and the seed. Every file name the app makes
    from a prompt (downloads, video) comes from here."""
    words = re.findall(r"[a-z0-9]+", str(prompt).lower())[:max_words]
    kept: list[str] = []
    for word in words:
        room = MAX_STEM_WORDS_CHARS - len("_".join(kept)) - (1 if kept else 0)
        if room <= 0:
            break
        kept.append(word[:room])
    return f"{'_'.join(kept) or 'motion'}_seed{int(seed)}"


def reproduction_settings(settings: dict, seed: int, checkpoint: str | None = None) -> dict:
    """The settings that regenerate exactly this sample (one seed, one sample), with the command line."""
    out = {k: v for k, v in settings.items() if k != "seeds"}
    out.update({"seed": int(seed), "num_samples": 1})
    if checkpoint is not None:
        out["checkpoint"] = str(checkpoint)
    if "prompt" in out:
        parts = ["python", "-m", "t2i_core.generate", str(out["prompt"]), "--seed", str(int(seed))]
        for key, flag in (("seconds", "--seconds"), ("guidance_scale", "--guidance"), ("steps", "--steps"),
                          ("checkpoint", "--checkpoint")):
            if key in out:
                parts += [flag, f"{out[key]:g}" if isinstance(out[key], float) else str(out[key])]
        if "physics" in out:  # said either way: the command's default may not be what made this sample
            parts.append("--physics" if out["physics"] else "--no-physics")
        out["command"] = shlex.join([*parts, "--out", f"{file_stem(str(out['prompt']), seed)}.npz"])
    return out


def export_sample(folder: str | Path, joints: np.ndarray, features: np.ndarray, prompt: str, seed: int,
                  settings: dict, fps: int = FPS) -> ExportedFiles:
    """Write the npz, the two BVHs and the settings JSON of one sample into ``folder``."""
    joints = check_joints(joints)
    features = np.asarray(features)
    if features.shape[:2] != joints.shape[:2]:
        raise ValueError(f"features {features.shape} and joints {joints.shape} disagree on persons or frames")
    folder = Path(folder)
    stem = file_stem(prompt, seed)
    settings_text = json.dumps(settings, indent=2, sort_keys=True, ensure_ascii=False)
    npz = save_npz(folder / f"{stem}.npz", joints=joints.astype(np.float32), features=features.astype(np.float32),
                   prompt=np.array(prompt), text=np.array(prompt), fps=np.array(int(fps)), seed=np.array(int(seed)),
                   settings=np.array(settings_text))
    bvhs = tuple(write_bvh(folder / f"{stem}_person{i + 1}.bvh", joints[i], fps) for i in range(joints.shape[0]))
    settings_path = atomic_write_text(folder / f"{stem}_settings.json", settings_text + "\n")
    return ExportedFiles(npz, bvhs, settings_path)
