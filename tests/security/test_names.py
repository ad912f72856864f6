"""File names made from prompts are short and plain whatever the prompt (issue 21: a one-word prompt of
230 characters broke every download with "file name too long")."""

from __future__ import annotations

import numpy as np
import pytest

from t2i_core.inputs import MAX_PROMPT_CHARS, clean_prompt
from t2i_core.render.export import export_sample, file_stem, reproduction_settings
from t2i_core.skeleton import NUM_JOINTS

NAME_MAX = 255  # bytes in a file name on ext4, tmpfs and most file systems


@pytest.mark.parametrize("prompt", [
    "a" * 230, "a" * MAX_PROMPT_CHARS, " ".join(["supercalifragilistic"] * 40), "é" * 400 + " wave",
    "../../etc/passwd", "CON PRN", "日本語のプロンプト", "-rf --out x", "a\u200bb" * 250,
])
def test_every_name_made_from_a_prompt_fits_and_is_plain(tmp_path, prompt):
    text, _ = clean_prompt(prompt)
    stem = file_stem(text, 2**32 - 1)
    longest = f"{stem}_settings.json"
    assert len(longest.encode()) < 100 < NAME_MAX
    assert all(c.isascii() and (c.isalnum() or c == "_") for c in stem)
    joints = np.zeros((2, 3, NUM_JOINTS, 3))
    joints[..., 1] = 1.0
    settings = reproduction_settings({"prompt": text, "seeds": [1]}, 1, "assets/interactor")
    files = export_sample(tmp_path / "s", joints, np.zeros((2, 3, 262)), text, 1, settings)
    for path in files.all():
        assert path.is_file() and path.parent == tmp_path / "s" and len(path.name) < 100
    assert settings["command"].endswith(f"--out {file_stem(text, 1)}.npz")
