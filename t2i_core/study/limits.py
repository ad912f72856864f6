"""How many votes one client address may send a minute (rater ids are whatever a client sends, so
the address is what bounds one visitor's weight in a study).

A sliding window of the last minute per address; addresses quiet for a minute are forgotten, so
memory stays bounded by the addresses active in the last minute. Safe to share between threads.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

DEFAULT_VOTES_PER_MINUTE = 30  # a trial takes a rater several seconds (two clips to watch, two questions)
WINDOW_S = 60.0


class VoteLimiter:
    """``allow(address)`` is False once ``per_minute`` votes came from it in the last minute (0: no limit)."""

    def __init__(self, per_minute: int = DEFAULT_VOTES_PER_MINUTE, clock: Callable[[], float] = time.monotonic):
        if per_minute < 0:
            raise ValueError(f"votes per minute must be 0 (no limit) or more, got {per_minute}")
        self.per_minute = per_minute
        self.refused = 0
        self.since = datetime.now(UTC)
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + WINDOW_S

    def allow(self, address: str) -> bool:
        """Count one vote from ``address``, or refuse it (and count the refusal) when over the limit."""
        if not self.per_minute:
            return True
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._forget_quiet(now)
            recent = self._recent.setdefault(address, deque())
            while recent and recent[0] <= now - WINDOW_S:
                recent.popleft()
            if len(recent) >= self.per_minute:
                self.refused += 1
                return False
            recent.append(now)
            return True

    def _forget_quiet(self, now: float) -> None:
        for address in [a for a, times in self._recent.items() if not times or times[-1] <= now - WINDOW_S]:
            del self._recent[address]
        self._next_sweep = now + WINDOW_S

    @property
    def tracked(self) -> int:
        """Addresses held in memory now."""
        return len(self._recent)

    def describe(self) -> str:
        """The limit and its refusals, for the operator."""
        if not self.per_minute:
            return "Votes are not limited per client address on this server (--votes-per-minute 0)."
        return (f"Votes are limited to {self.per_minute} per client address and minute; {self.refused} refused "
                f"since the server started ({self.since:%Y-%m-%d %H:%M} UTC).")
