"""The votes-per-minute limit per client address: a sliding minute, refusals counted, quiet addresses forgotten."""

from __future__ import annotations

import threading

import pytest

from t2i_core.study.limits import WINDOW_S, VoteLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_gets_its_votes_a_minute_and_no_more():
    clock = Clock()
    limiter = VoteLimiter(3, clock=clock)
    assert [limiter.allow("1.2.3.4") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("5.6.7.8")  # another address has its own minute
    assert limiter.refused == 2
    clock.now += WINDOW_S - 1
    assert not limiter.allow("1.2.3.4")  # still inside the minute of the first three
    clock.now += 1.001
    assert limiter.allow("1.2.3.4")  # the first three have left the window
    assert limiter.refused == 3


def test_the_window_slides_vote_by_vote():
    clock = Clock()
    limiter = VoteLimiter(2, clock=clock)
    assert limiter.allow("a")
    clock.now += 30
    assert limiter.allow("a") and not limiter.allow("a")
    clock.now += 30.5  # the first vote is over a minute old, the second is not
    assert limiter.allow("a") and not limiter.allow("a")


def test_quiet_addresses_are_forgotten():
    clock = Clock()
    limiter = VoteLimiter(5, clock=clock)
    for i in range(1000):
        limiter.allow(f"10.0.{i // 256}.{i % 256}")
    assert limiter.tracked == 1000
    clock.now += WINDOW_S + 1
    limiter.allow("192.168.0.1")
    assert limiter.tracked == 1


def test_zero_means_no_limit_and_negative_is_refused():
    limiter = VoteLimiter(0)
    assert all(limiter.allow("a") for _ in range(10_000)) and limiter.refused == 0
    assert "not limited" in limiter.describe()
    with pytest.raises(ValueError, match="0 \\(no limit\\) or more"):
        VoteLimiter(-1)


def test_many_threads_together_get_exactly_the_limit():
    limiter = VoteLimiter(50)
    results: list[bool] = []
    lock = threading.Lock()

    def send():
        for _ in range(20):
            allowed = limiter.allow("same")
            with lock:
                results.append(allowed)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 50 and limiter.refused == 150
    assert "limited to 50 per client address and minute; 150 refused" in limiter.describe()
