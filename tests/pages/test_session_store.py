"""The session store's rules: bytes bound it, idle sessions go least recently used first, a running job or an
undelivered result is never dropped, a dropped session is told it expired, a session never sees another's."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import gradio as gr
import numpy as np

from pages.session_store import SessionStore, approximate_nbytes

MIB = 1 << 20


@dataclass
class Box:
    data: np.ndarray | None = None
    expired: bool = False
    cleaned: list[bool] = field(default_factory=list)

    def cleanup(self) -> None:
        self.cleaned.append(True)


KIND = ("box", Box)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fill(store: SessionStore, key: str, mib: float, new_result: bool = False, delivered: bool = False) -> Box:
    (box,), _ = store.acquire(key, (KIND,))
    box.data = np.zeros(int(mib * MIB), dtype=np.uint8)
    store.release(key, new_result=new_result, delivered=delivered)
    return box


def test_idle_sessions_beyond_the_budget_go_least_recently_used_first():
    clock = Clock()
    store = SessionStore(budget_bytes=3 * MIB, clock=clock)
    boxes = {}
    for key in "abc":
        boxes[key] = fill(store, key, 1)
        clock.now += 1
    store.acquire("a", (KIND,))  # a is used again: b is now the oldest
    store.release("a")
    fill(store, "d", 1)
    assert "b" not in store and {"a", "c", "d"} <= set(store._entries)
    assert boxes["b"].cleaned == [True] and store.nbytes <= 3 * MIB
    (box,), expired = store.acquire("b", (KIND,))
    assert expired and box.expired and box.data is None  # b learns its results are gone; never gets another's
    store.release("b")


def test_sessions_that_hold_nothing_never_push_out_one_that_does():
    store = SessionStore(budget_bytes=2 * MIB)
    heavy = fill(store, "visitor", 1.5)
    for rater in range(500):  # light sessions: they keep no objects, so they cost the budget nothing
        store.acquire(f"rater-{rater}", ())
        store.release(f"rater-{rater}")
    (box,), expired = store.acquire("visitor", (KIND,))
    assert box is heavy and not expired


def test_a_running_job_and_an_undelivered_result_are_never_dropped():
    clock = Clock()
    store = SessionStore(budget_bytes=1 * MIB, grace_s=60, clock=clock)
    (running,), _ = store.acquire("generating", (KIND,))  # its job runs: busy
    running.data = np.zeros(2 * MIB, dtype=np.uint8)
    for other in range(5):
        fill(store, f"other-{other}", 1)
    assert "generating" in store
    store.release("generating", new_result=True)  # its result is kept for its downloads
    for other in range(5, 10):
        fill(store, f"other-{other}", 1)
    assert "generating" in store
    (box,), expired = store.acquire("generating", (KIND,))  # the downloads are written
    assert box is running and not expired
    store.release("generating", delivered=True)
    fill(store, "later", 1)
    assert "generating" not in store  # delivered and idle: it may go now

    clock.now += 10
    fill(store, "undelivered", 2, new_result=True)
    fill(store, "next", 1)
    assert "undelivered" in store
    clock.now += 61  # never downloaded: protected only for the grace period
    fill(store, "after-grace", 1)
    assert "undelivered" not in store


def test_idle_sessions_expire_after_the_ttl_and_closed_tabs_go_first():
    clock = Clock()
    store = SessionStore(budget_bytes=3 * MIB, ttl_s=3600, clock=clock)
    old = fill(store, "old", 1)
    clock.now += 3601
    fill(store, "a", 1)
    assert "old" not in store and old.cleaned == [True]
    clock.now += 1
    fill(store, "closed", 1)
    store.close_request(SimpleNamespace(session_hash="closed"))  # kept while there is room (a reconnect finds it)
    assert "closed" in store
    fill(store, "b", 1)
    fill(store, "c", 1)  # over the budget: the closed tab goes before the older "a"
    assert "closed" not in store and "a" in store


def test_sessions_that_hold_nothing_are_bounded_in_number_and_never_told_they_expired(monkeypatch):
    from pages import session_store

    monkeypatch.setattr(session_store, "EMPTY_KEPT", 5)
    store = SessionStore(budget_bytes=10 * MIB)
    for visitor in range(20):
        store.acquire(f"looked-{visitor}", (KIND,))
        store.release(f"looked-{visitor}")
    assert len(store) == 5 and "looked-19" in store
    (box,), expired = store.acquire("looked-0", (KIND,))
    assert not expired and not box.expired  # it had no results to lose


def test_bound_handlers_get_their_own_sessions_objects_and_a_call_without_a_session_keeps_nothing():
    store = SessionStore(budget_bytes=10 * MIB)

    def remember(box: Box, value):
        box.data = np.full(4, value)
        return int(box.data.sum())

    def recall(box: Box):
        return None if box.data is None else int(box.data[0])

    remember_event, recall_event = store.bind(remember, KIND), store.bind(recall, KIND)
    assert list(remember_event.__signature__.parameters) == ["value", "request"]
    assert remember_event.__annotations__ == {"request": gr.Request}  # what Gradio reads to give the request
    assert remember_event(7, SimpleNamespace(session_hash="a")) == 28
    assert remember_event(3, request=SimpleNamespace(session_hash="b")) == 12
    assert recall_event(SimpleNamespace(session_hash="a")) == 7
    assert recall_event(SimpleNamespace(session_hash="b")) == 3
    assert recall_event(SimpleNamespace(session_hash=None)) is None and len(store) == 2
    assert store.nbytes == approximate_nbytes({"a": np.full(4, 7), "b": np.full(4, 3)})


def test_a_bound_handler_with_extra_positional_and_keyword_arguments_gets_them_all():
    """As the Data set page's exports (``*extra`` sliders) and the Scene page (``*rest``, a keyword-only progress)
    are called: Gradio puts the request among the positional arguments, before ``*extra``."""
    store = SessionStore(budget_bytes=10 * MIB)

    def handler(box: Box, first, *extra, progress=None):
        return first, extra, progress

    event = store.bind(handler, KIND)
    assert list(event.__signature__.parameters) == ["first", "request", "extra", "progress"]
    assert event(1, SimpleNamespace(session_hash="a"), 2, 3, progress="p") == (1, (2, 3), "p")
    assert event(1, SimpleNamespace(session_hash="a")) == (1, (), None)


def test_approximate_nbytes_counts_arrays_once_through_containers():
    array = np.zeros(1000, dtype=np.float32)
    nested = {"x": [array, array], "y": Box(array), "z": "abcd"}
    assert approximate_nbytes(nested) == 4000 + 4
