"""Each visitor's heavy objects (generated motions, attention summaries, scenes), kept by the server in one
bounded store keyed by the visitor's Gradio session, not in Gradio's per-session state.

Why not ``gr.State``: Gradio keeps a fixed number of sessions (``state_session_capacity``) and drops the least
recently used one whole when a new one arrives, whatever it holds and even while its event runs. Fifty study
raters (each a session that holds nothing heavy) pushed out a visitor who was generating, and that visitor's
downloads never came. Here the bound is on bytes, only sessions that hold something count, and a session is
never dropped while one of its jobs runs or just after a result, before its downloads are written. A dropped
session is remembered (its key only), so its next request says it expired instead of acting as if it had never
generated.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import gradio as gr
import numpy as np

from t2i_core.memory import release_freed_memory

# Heavy state of all sessions together. benchmarks/bench_sessions.py (500 visitors, each 4 x 10 s and the demo
# compose set) with Gradio keeping 64 sessions: RSS +277 MiB from 10 to 500 at 160 MiB (aim 300), see the README.
DEFAULT_BUDGET_MIB = 128
RESULT_GRACE_S = 120.0     # a new result is kept this long at least, or until its downloads are written
FORGOTTEN_KEPT = 10_000    # keys of dropped sessions remembered (for the "expired" message): ~1 MiB at most
EMPTY_KEPT = 10_000        # sessions that hold nothing (a visitor who only looked at a tab) kept at most

log = logging.getLogger("text2interact.sessions")


def approximate_nbytes(value: Any, seen: set[int] | None = None, depth: int = 0) -> int:
    """The bytes ``value`` holds in arrays and strings, through dataclasses, dicts, lists and tuples (each
    array counted once); enough to weigh sessions against each other, not an exact size."""
    seen = set() if seen is None else seen
    if value is None or id(value) in seen or depth > 8:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return sum(approximate_nbytes(v, seen, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(approximate_nbytes(v, seen, depth + 1) for v in value)
    if is_dataclass(value):
        return sum(approximate_nbytes(getattr(value, f.name, None), seen, depth + 1) for f in fields(value))
    if hasattr(value, "__dict__"):
        return sum(approximate_nbytes(v, seen, depth + 1) for v in vars(value).values())
    return 0


@dataclass
class _Entry:
    objects: dict[str, Any] = field(default_factory=dict)
    used: float = 0.0          # when a request last used it (monotonic)
    busy: int = 0              # its handlers running now
    keep_until: float = 0.0    # a new result is protected until then (or until delivered)
    nbytes: int = 0
    expired: bool = False      # made again for a session that was dropped


class SessionStore:
    """Visitors' heavy objects by session key, within ``budget_bytes`` (least recently used idle sessions go
    first), each dropped after ``ttl_s`` seconds unused. A session whose handler runs, or that got a result less
    than ``grace_s`` ago and has not had it delivered, is never dropped: the store then runs over its budget
    until it can drop one (at most the few sessions the one-at-a-time model queue serves in ``grace_s``)."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_MIB << 20, ttl_s: float = 3600.0,
                 grace_s: float = RESULT_GRACE_S, clock: Callable[[], float] = time.monotonic):
        self.budget_bytes, self.ttl_s, self.grace_s, self._clock = budget_bytes, ttl_s, grace_s, clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._forgotten: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    # -- what the pages' handlers go through ------------------------------------------------------
    def acquire(self, key: str | None, kinds: tuple[tuple[str, Callable[[], Any]], ...]) -> tuple[list[Any], bool]:
        """This session's objects of ``kinds`` ((name, factory) pairs; made when missing, with ``expired`` set
        when the session was dropped before) and whether it was; the session is busy until ``release``. ``key``
        None (a call without a session) gets fresh objects that are not kept."""
        if key is None:
            return [make() for _, make in kinds], False
        dropped = self._expire_idle()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(expired=key in self._forgotten)
                self._forgotten.pop(key, None)
            self._entries.move_to_end(key)
            entry.used, entry.busy = self._clock(), entry.busy + 1
            for name, make in kinds:
                if name not in entry.objects:
                    made = entry.objects[name] = make()
                    if entry.expired and hasattr(made, "expired"):
                        made.expired = True
            objects = [entry.objects[name] for name, _ in kinds]
            expired = entry.expired
        self._finish(dropped)
        return objects, expired

    def release(self, key: str | None, new_result: bool = False, delivered: bool = False) -> None:
        """The handler of ``key`` ended: re-weigh the session; ``new_result`` protects it for ``grace_s`` (until
        ``delivered``: its downloads are written); then drop idle sessions beyond the budget."""
        if key is None:
            return
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.busy = max(0, entry.busy - 1)
                entry.used = self._clock()
                entry.nbytes = approximate_nbytes(entry.objects)
                if new_result:
                    entry.keep_until = entry.used + self.grace_s
                elif delivered:
                    entry.keep_until = 0.0
            dropped = self._shrink_locked()
        self._finish(dropped)

    def close(self, key: str | None) -> None:
        """The visitor's tab closed (or its connection dropped for a moment: Gradio reports both alike): its
        session becomes the first to go when memory is needed, and goes with the TTL otherwise."""
        with self._lock:
            entry = self._entries.get(key) if key is not None else None
            if entry is not None:
                entry.keep_until = 0.0
                self._entries.move_to_end(key, last=False)
                dropped = self._shrink_locked()
            else:
                dropped = []
        self._finish(dropped)

    def close_request(self, request: gr.Request) -> None:
        """``close`` for Gradio's unload event (which gives the closed tab's request)."""
        self.close(getattr(request, "session_hash", None))

    # -- figures --------------------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(e.nbytes for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    # -- dropping -------------------------------------------------------------------------------
    def _protected(self, entry: _Entry, now: float) -> bool:
        return entry.busy > 0 or now < entry.keep_until

    def _drop_locked(self, key: str) -> _Entry:
        entry = self._entries.pop(key)
        if entry.nbytes:  # it held results: its next request is told they are gone
            self._forgotten[key] = None
            self._forgotten.move_to_end(key)
            while len(self._forgotten) > FORGOTTEN_KEPT:
                self._forgotten.popitem(last=False)
        return entry

    def _shrink_locked(self) -> list[_Entry]:
        now, dropped = self._clock(), []
        empty = [k for k, e in self._entries.items() if not e.nbytes and not self._protected(e, now)]
        for key in empty[:max(0, len(empty) - EMPTY_KEPT)]:  # oldest first; they free little, but unbounded
            dropped.append(self._drop_locked(key))
        total = sum(e.nbytes for e in self._entries.values())
        for key in [k for k, e in self._entries.items() if not self._protected(e, now)]:  # oldest first
            if total <= self.budget_bytes:
                break
            if self._entries[key].nbytes == 0:
                continue  # holds nothing yet: dropping it frees nothing
            total -= self._entries[key].nbytes
            dropped.append(self._drop_locked(key))
        if total > self.budget_bytes:
            log.info("session store over its budget (%.0f of %.0f MiB): the rest is in use", total / 2**20,
                     self.budget_bytes / 2**20)
        return dropped

    def _expire_idle(self) -> list[_Entry]:
        with self._lock:
            now = self._clock()
            stale = [k for k, e in self._entries.items() if e.used < now - self.ttl_s and not self._protected(e, now)]
            return [self._drop_locked(k) for k in stale]

    @staticmethod
    def _finish(dropped: list[_Entry]) -> None:
        """Outside the lock: remove dropped sessions' files, hand their memory back."""
        for entry in dropped:
            for value in entry.objects.values():
                cleanup = getattr(value, "cleanup", None)
                if callable(cleanup):
                    cleanup()
        if dropped:
            dropped.clear()
            release_freed_memory()

    # -- binding handlers ------------------------------------------------------------------------
    def bind(self, handler: Callable, *kinds: tuple[str, Callable[[], Any]], new_result: bool = False,
             delivers: bool = False) -> Callable:
        """``handler(obj1, ..., *inputs)`` as a Gradio event function: its first ``len(kinds)`` arguments are this
        session's objects from the store (Gradio gives the request: its ``session_hash`` is the key); a session
        that was dropped before gets fresh objects whose ``expired`` is set. ``new_result``: a successful call
        made a result to keep for its downloads; ``delivers``: this call writes them."""
        signature = inspect.signature(handler)
        given = list(signature.parameters.values())[len(kinds):]
        # Gradio hands a gr.Request to a positional parameter annotated so (in __annotations__, not the signature)
        request_parameter = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                              annotation=gr.Request)
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        at = next((i for i, p in enumerate(given) if p.kind not in positional), len(given))  # before *args
        exposed = signature.replace(parameters=[*given[:at], request_parameter, *given[at:]])

        def event(*args, **kwargs):
            bound = exposed.bind(*args, **kwargs)
            request = bound.arguments.get("request")
            key = getattr(request, "session_hash", None)
            given_args, given_kwargs = [], {}  # the handler's own arguments, without the request
            for parameter in given:
                if parameter.name not in bound.arguments:
                    continue  # left to its default
                value = bound.arguments[parameter.name]
                if parameter.kind == inspect.Parameter.VAR_POSITIONAL:
                    given_args.extend(value)
                elif parameter.kind == inspect.Parameter.VAR_KEYWORD:
                    given_kwargs.update(value)
                elif parameter.kind == inspect.Parameter.KEYWORD_ONLY:
                    given_kwargs[parameter.name] = value
                else:
                    given_args.append(value)
            objects, _ = self.acquire(key, kinds)
            succeeded = False
            try:
                result = handler(*objects, *given_args, **given_kwargs)
                succeeded = True
                return result
            finally:
                self.release(key, new_result=new_result and succeeded, delivered=delivers and succeeded)

        event.__signature__ = exposed
        event.__annotations__ = {"request": gr.Request}
        event.__name__ = getattr(handler, "__name__", getattr(getattr(handler, "func", None), "__name__", "event"))
        return event
