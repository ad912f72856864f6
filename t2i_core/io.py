"""Safe file writing: every file appears whole or not at all (temp name, then rename)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
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


class FolderExistsError(FileExistsError):
    """An output folder that already holds files."""


@contextmanager
def staged_folder(out: str | Path) -> Iterator[Path]:
    """Build a whole folder atomically: yields a hidden sibling to write into, renamed to ``out``
    when the block succeeds and removed when it fails, so ``out`` appears complete or not at all.

    ``out`` must not exist or be an empty folder (``FolderExistsError`` otherwise).
    """
    out = Path(out).expanduser().resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FolderExistsError(f"output folder {out} already exists and is not empty; give a new or empty folder")
    stage = out.parent / f".{out.name}.partial"
    if stage.exists():
        shutil.rmtree(stage)   # left by an interrupted build of the same folder
    stage.mkdir(parents=True)
    try:
        yield stage
        if out.exists():
            out.rmdir()
        stage.rename(out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array(array, order="C", copy=None), allow_pickle=False)  # keeps 0-d arrays 0-d
    return buffer.getvalue()


def save_npy(path: str | Path, array: np.ndarray) -> Path:
    return atomic_write_bytes(path, npy_bytes(array))


def npz_bytes(arrays: dict[str, np.ndarray], compress: bool = False) -> bytes:
    """An .npz archive whose bytes depend only on the arrays (fixed member order and timestamps).

    ``np.savez`` stamps members with the current time, so two runs on the same data differ.
    ``compress`` deflates the members (``np.load`` reads both).
    """
    buffer = io.BytesIO()
    compression = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = compression
            archive.writestr(info, npy_bytes(arrays[name]))
    return buffer.getvalue()


def save_npz(path: str | Path, compress: bool = False, **arrays: np.ndarray) -> Path:
    return atomic_write_bytes(path, npz_bytes(arrays, compress))


class NpyFormatError(ValueError):
    """A file that is not a usable .npy array; the text says why and never names the file."""


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0,
                   (3, 0): np.lib.format.read_array_header_2_0}  # 3.0 differs only in allowing UTF-8 field names


def read_npy_header(handle) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from a stream at the start of a .npy (a file or a zip member),
    leaving it at the first data byte; nothing of the data is read. NpyFormatError for a stream that
    is not .npy, a damaged header, pickled objects or a negative dimension."""
    try:
        version = np.lib.format.read_magic(handle)
    except ValueError:
        raise NpyFormatError("not a .npy array file (it does not start with NumPy's .npy signature)") from None
    reader = _HEADER_READERS.get(version)
    if reader is None:
        raise NpyFormatError(f"unsupported .npy format version {version[0]}.{version[1]}") from None
    try:
        shape, fortran, dtype = reader(handle)
    except (ValueError, SyntaxError, EOFError, TypeError):
        raise NpyFormatError("the .npy header is damaged") from None
    if dtype.hasobject:
        raise NpyFormatError("the array holds Python objects (pickled data), which are never loaded")
    if any(n < 0 for n in shape):
        raise NpyFormatError(f"the header claims an impossible shape {tuple(shape)}")
    return tuple(shape), bool(fortran), dtype


def npy_header(path: str | Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of a .npy file, checked against its size before anything is loaded.

    A 0-byte file, one that is not .npy, a damaged header, pickled objects, or a header whose shape
    does not match the bytes in the file (an absurd shape would otherwise allocate or fail deep in
    NumPy) give NpyFormatError; an unreadable file gives OSError.
    """
    size = os.path.getsize(path)
    if size == 0:
        raise NpyFormatError("the file is empty (0 bytes), not a .npy array")
    with open(path, "rb") as handle:
        shape, _, dtype = read_npy_header(handle)
        data_bytes = size - handle.tell()
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize  # Python ints: no overflow
    if claimed != data_bytes:
        raise NpyFormatError(f"the header claims shape {tuple(shape)} of {dtype} ({claimed:,} bytes) but the "
                             f"file holds {data_bytes:,} bytes of data")
    return tuple(shape), dtype


def load_npy_safely(path: str | Path, mmap: bool = False) -> np.ndarray:
    """Load a user-supplied .npy without ever unpickling: NpyFormatError (a ValueError) for anything
    but a whole, plain .npy array (see ``npy_header``)."""
    npy_header(path)
    return np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
