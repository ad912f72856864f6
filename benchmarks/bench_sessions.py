"""Memory per visitor: the app's RSS after 10 and after 500 sessions that each open the demo data set
and generate 4 samples of 10 s, as separate visitors do.

    OMP_NUM_THREADS=1 python -m benchmarks.bench_sessions [--sessions 500] [--report 10 100 500] [--steps 1]
                                                           [--no-generate] [-- APP ARGS...]

Starts ``python app.py`` (the shipped model, one thread) on a free local port and plays each visitor
through Gradio's own client with a fresh session: open ``demo/compose`` on the Data set page
(``/open_dataset``), generate 4 x 10 s (``/generate``, 1 DDIM step by default: the memory a session keeps
does not depend on the steps) and write its downloads (``/downloads``). Prints the app process's RSS
(``/proc/PID/status`` VmRSS) after each reported count and the growth from the first. Aim (issue 21):
RSS after 500 sessions within 300 MiB of RSS after 10. Arguments after ``--`` go to ``app.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gradio_client import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import app_process

AIM_MIB = 300
PROMPT = "two people greet each other by shaking hands."


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def visit(client: Client, generate: bool, steps: int) -> None:
    """One new visitor: open the demo data set, generate 4 x 10 s, write the downloads."""
    client.reset_session()
    client.predict("demo/compose", "status", api_name="/open_dataset")
    if generate:
        client.predict(PROMPT, 10, "0", 4, 3.5, steps, True, api_name="/generate")
        client.predict("", api_name="/downloads")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    app_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--report", type=int, nargs="+", default=[10, 100, 250, 500])
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--no-generate", action="store_true", help="only open the data set")
    args = parser.parse_args(argv)
    report = sorted({n for n in args.report if n <= args.sessions} | {args.sessions})
    with app_process("--threads", "1", *app_args) as (process, url):
        client = Client(url, verbose=False, download_files=False)
        print(f"app started: RSS {rss_mib(process.pid):.0f} MiB", flush=True)
        figures: dict[int, float] = {}
        started = time.perf_counter()
        for n in range(1, args.sessions + 1):
            visit(client, not args.no_generate, args.steps)
            if n in report:
                time.sleep(2.0)  # let the server finish the last event's bookkeeping
                figures[n] = rss_mib(process.pid)
                print(f"after {n:4d} sessions: RSS {figures[n]:7.0f} MiB  ({time.perf_counter() - started:.0f} s)",
                      flush=True)
        client.close()
    first, last = min(figures), max(figures)
    growth = figures[last] - figures[first]
    print(f"growth from {first} to {last} sessions: {growth:.0f} MiB (aim: within {AIM_MIB} MiB) -> "
          f"{'met' if growth <= AIM_MIB else 'NOT met'}")


if __name__ == "__main__":
    main()
