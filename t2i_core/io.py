"""Safe file writing: every file appears whole or not at all (temp name, then rename)."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array(array, order="C", copy=None), allow_pickle=False)  # keeps 0-d arrays 0-d
    return buffer.getvalue()


def save_npy(path: str | Path, array: np.ndarray) -> Path:
    return atomic_write_bytes(path, npy_bytes(array))


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive whose bytes depend only on the arrays (fixed member order and timestamps).

    ``np.savez`` stamps members with the current time, so two runs on the same data differ.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, npy_bytes(arrays[name]))
    return buffer.getvalue()


def save_npz(path: str | Path, **arrays: np.ndarray) -> Path:
    return atomic_write_bytes(path, npz_bytes(arrays))


def load_npy_safely(path: str | Path, mmap: bool = False) -> np.ndarray:
    """Load a user-supplied .npy without ever unpickling (object arrays are refused)."""
    return np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
