"""Votes and page loads while the model is busy: 50 raters against a local app during a generation.

    python -m benchmarks.bench_votes [--checkpoint assets/interactor] [--raters 50] [--trials 4] [--think 3]
                                     [--arrive-over 10] [--no-sessions] [--idle] [--rows FILE.csv]
                                     [--result-timeout 180]

Starts ``python app.py`` on 127.0.0.1 (the shipped demo study, a fresh vote database), has a
headless Chromium press Generate (a 10 s clip at the page's most DDIM steps, pressed again whenever
one finishes, so the model is busy throughout), then lets every rater, each in its own thread and
Gradio session, arriving evenly over ``--arrive-over`` seconds, load the page (``GET /``), open the
study (``study_start``: its rater id and first trial) and vote through ``--trials`` trials over
Gradio's HTTP API, each vote answering the trial the previous reply showed, ``--think`` seconds
after it. It prints the median and 95th percentile of the votes' and the page loads' latencies
(request sent to reply complete), over all of them and over those sent while a generation ran, and the votes'
sent once every rater had arrived (past the burst of new sessions).
``--rows`` writes every request (kind, start after the first generation was pressed, seconds) to a CSV.
The app runs with a per-address vote limit high enough for the run (every rater is 127.0.0.1 here) and otherwise
at its defaults (its session limits included): it prints, for every generation, whether the generating browser got
its result and its downloads (within ``--result-timeout`` seconds) while the raters' sessions arrived.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from playwright.sync_api import expect, sync_playwright

from pages.common import DEFAULT_CHECKPOINT
from t2i_core.inputs import APP_STEPS_RANGE
from t2i_core.io import atomic_write_text
from tests.browser import CHROMIUM_ARGS, call_event, chromium_path, running_app

PROMPT = "one person pushes the other on the shoulder, and the other stumbles backwards."
AIMS = {"median": 0.3, "p95": 1.0}  # seconds, from issue 21


def read_page(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=600) as response:
        return response.read()


class Timings:
    """(kind, start, seconds) of every request, from many threads, and what each request was."""

    def __init__(self):
        self.rows: list[tuple[str, float, float]] = []
        self.what: list[str] = []
        self._lock = threading.Lock()

    def timed(self, kind: str, what: str, action, *args):
        start = time.perf_counter()
        result = action(*args)
        with self._lock:
            self.rows.append((kind, start, time.perf_counter() - start))
            self.what.append(what)
        return result


def rater(url: str, number: int, trials: int, timings: Timings, sessions: bool, think: float, arrive: float) -> int:
    """Arrive after ``arrive`` s, load the page, open the study, vote through ``trials`` trials; returns the votes
    saved."""
    time.sleep(arrive)
    session = secrets.token_hex(8) if sessions else None  # a browser keeps one session for its visit
    timings.timed("page", "GET /", read_page, url)
    outputs = timings.timed("page", "study_start", call_event, url, "study_start", [""], 600.0, session)
    rater_id, trial = outputs[1], outputs[3]
    choices = ("left", "right", "tie")
    saved = 0
    for i in range(trials):
        answers = [choices[(number + i) % 3], choices[(number + 2 * i) % 3]]
        time.sleep(think)  # watching the two clips
        outputs = timings.timed("vote", "study_vote", call_event, url, "study_vote", [rater_id, trial, *answers],
                                600.0, session)
        saved += "Vote saved" in outputs[0]
        trial = outputs[1]
        if not trial:
            break
    return saved


def generate(page, number: int, timeout_s: float) -> tuple[float, float, bool]:
    """Press Generate for this browser's generation ``number`` (from 1; its seed too); wait for its result, then
    for its downloads (``timeout_s`` each); return when it started and ended and whether the downloads came. (The
    status keeps the last generation's text under the progress bar, so the wait is for this one's own line.)"""
    status = page.locator("#gen-status")
    page.locator("#seeds input, #seeds textarea").first.fill(str(number))
    start = time.perf_counter()
    page.locator("#generate-button").click()
    expect(status).to_contain_text(f"#{number}: generated", timeout=timeout_s * 1000)
    try:
        expect(status).to_contain_text("Downloads ready", timeout=timeout_s * 1000)
        delivered = True
    except AssertionError:
        delivered = False
    end = time.perf_counter()
    print(f"generation #{number}: {end - start:.1f} s, downloads "
          f"{'ready' if delivered else 'NEVER CAME'} (status: {status.inner_text()[:160]!r})", flush=True)
    return start, end, delivered


def summary(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    values = np.asarray(seconds)
    return (f"median {np.median(values):.3f} s, p95 {np.percentile(values, 95):.3f} s, max {values.max():.3f} s "
            f"(n={len(values)})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--raters", type=int, default=50)
    parser.add_argument("--trials", type=int, default=4, help="votes per rater (default 4)")
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds a rater takes before each vote (default 3: one loop of the demo's 3 s clips; "
                             "0: votes back to back)")
    parser.add_argument("--arrive-over", type=float, default=10.0,
                        help="raters arrive evenly over this many seconds (default 10; 0: all at once)")
    parser.add_argument("--no-sessions", action="store_true",
                        help="every call in a new Gradio session, as a bare API client (default: one session per "
                             "rater, as a browser keeps)")
    parser.add_argument("--idle", action="store_true", help="no generation meanwhile (for comparison)")
    parser.add_argument("--rows", type=Path, help="write every request's kind, start and seconds to this CSV")
    parser.add_argument("--result-timeout", type=float, default=180.0,
                        help="seconds to wait for a generation's result and then its downloads (default 180)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="t2i-bench-votes-") as folder, \
            running_app("--checkpoint", str(args.checkpoint), "--study-db", str(Path(folder) / "votes.sqlite"),
                        "--votes-per-minute", str(10 * args.raters * (args.trials + 2))) as url, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator("#generate-button").wait_for(state="visible", timeout=120_000)
        page.locator("#prompt textarea").fill(PROMPT)
        page.locator("#seconds input").fill("10")
        page.locator("#steps input").fill(str(APP_STEPS_RANGE[1]))
        timings, busy, delivered = Timings(), [], []
        origin = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.raters) as pool:
            futures = []

            def start_raters():  # once the first generation holds the model's slot
                time.sleep(2.0)
                futures.extend(pool.submit(rater, url, i, args.trials, timings, not args.no_sessions, args.think,
                                           i * args.arrive_over / args.raters)
                               for i in range(args.raters))

            starter = threading.Thread(target=start_raters)
            starter.start()
            for _ in range(0 if args.idle else 1):
                *span, came = generate(page, 1, args.result_timeout)  # the browser stays on this thread (Playwright)
                busy.append(tuple(span))
                delivered.append(came)
            starter.join()
            while not args.idle and not all(f.done() for f in futures):
                *span, came = generate(page, len(busy) + 1, args.result_timeout)
                busy.append(tuple(span))
                delivered.append(came)
            saved = sum(f.result() for f in futures)
        browser.close()

    def during(start: float) -> bool:
        return any(a <= start and start <= b for a, b in busy)

    if args.rows is not None:
        lines = ["kind,request,start_s,seconds,during_generation"]
        lines += [f"{kind},{what},{start - origin:.3f},{seconds:.4f},{int(during(start))}"
                  for (kind, start, seconds), what in sorted(zip(timings.rows, timings.what), key=lambda r: r[0][1])]
        atomic_write_text(args.rows, "\n".join(lines) + "\n")

    print(f"checkpoint: {args.checkpoint}; {args.raters} raters x {args.trials} votes; "
          f"{len(busy)} generations of 10 s at {APP_STEPS_RANGE[1]} steps ran meanwhile "
          f"({', '.join(f'{b - a:.1f}' for a, b in busy)} s)")
    print(f"raters arrive over {args.arrive_over:g} s, think {args.think:g} s before each vote, "
          f"{'a new Gradio session per call' if args.no_sessions else 'one Gradio session per rater'}")
    print(f"votes saved: {saved} of {args.raters * args.trials}")
    if delivered:
        print(f"the generating visitor's downloads came for {sum(delivered)} of {len(delivered)} generations")
    for kind in ("vote", "page"):
        rows = [(start, seconds) for k, start, seconds in timings.rows if k == kind]
        print(f"{kind}s, all: {summary([s for _, s in rows])}")
        print(f"{kind}s sent while a generation ran: {summary([s for start, s in rows if during(start)])}")
    # Once every rater is in: 50 raters voting, without the burst of new sessions (Gradio builds each new session's
    # copy of the page's config) and page loads that their arrival brings.
    arrived = max(start + seconds for (_, start, seconds), what in zip(timings.rows, timings.what)
                  if what == "study_start")
    print(f"votes sent after the last rater arrived ({arrived - origin:.1f} s in) while a generation ran: "
          f"{summary([s for k, start, s in timings.rows if k == 'vote' and start > arrived and during(start)])}")
    votes = [s for k, start, s in timings.rows if k == "vote" and during(start)]
    if votes:
        median, p95 = float(np.median(votes)), float(np.percentile(votes, 95))
        verdict = "met" if median <= AIMS["median"] and p95 <= AIMS["p95"] else "NOT met"
        print(f"aim (votes during a generation: median <= {AIMS['median']} s, p95 <= {AIMS['p95']} s): {verdict}")


if __name__ == "__main__":
    main()
