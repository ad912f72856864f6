"""Run one job per clip index on a pool of forked workers, with a progress bar.

Each job depends only on its index, so the result is the same whatever the number of workers;
the records come back in completion order (callers sort them).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from multiprocessing import get_context

from tqdm import tqdm


def run_jobs(job: Callable[[int], dict], count: int, workers: int = 1, progress: bool = True) -> list[dict]:
    """``job(i)`` for every i < ``count`` on ``workers`` processes (chunks of 4)."""
    bar = tqdm(total=count, unit="clip", disable=not progress, smoothing=0.05)
    records = []
    if workers <= 1:
        for i in range(count):
            records.append(job(i))
            bar.update()
    else:
        with get_context("spawn" if os.name == "nt" else "fork").Pool(workers) as pool:
            for record in pool.imap_unordered(job, range(count), chunksize=4):
                records.append(record)
                bar.update()
    bar.close()
    return records
