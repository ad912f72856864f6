"""Handing freed memory back to the system (one place for the server and the model's process)."""

from __future__ import annotations

import ctypes
import ctypes.util


def release_freed_memory() -> None:
    """Hand memory that Python and NumPy freed back to the system (glibc's ``malloc_trim``).

    glibc keeps freed blocks for reuse and raises its mmap threshold after large frees, so the
    arrays of a generation and of dropped sessions stay in the process's RSS long after they are
    gone: measured with benchmarks/bench_sessions.py, RSS kept rising past the session cap although
    the sessions' objects were freed. Called after each model job, when a data set is opened and
    when a session is deleted; a few milliseconds. Does nothing where the C library has no
    ``malloc_trim`` (macOS, musl)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None
