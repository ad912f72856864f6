"""The app as a visitor feels it: cold start to ready, and click-Generate-to-playback, in headless Chromium.

    python -m benchmarks.bench_app [--checkpoint assets/interactor] [--seconds 6] [--runs 3]

Cold start: from launching ``python app.py`` to the Generate button being usable in the browser
(model loading included). Generate-to-playback: from the click to the 3D viewer holding the new
motion and advancing its frame, with the page's default settings except the length.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from pages.common import DEFAULT_CHECKPOINT
from tests.browser import CHROMIUM_ARGS, chromium_path, running_app

PROMPT = "two people greet each other by shaking hands."


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--seconds", type=float, default=6.0, help="clip length (default 6)")
    parser.add_argument("--runs", type=int, default=3, help="generations to time (default 3; the median is shown)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with running_app("--checkpoint", str(args.checkpoint)) as url:
        serving = time.perf_counter() - started
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.locator("#generate-button").wait_for(state="visible", timeout=120_000)
            ready = time.perf_counter() - started
            if page.locator("#model-missing").count():
                raise SystemExit(f"no model: {page.locator('#model-missing').inner_text()}")
            page.locator("#prompt textarea").fill(PROMPT)
            page.locator("#seconds input").fill(f"{args.seconds:g}")
            frames = round(args.seconds * 30)
            times = []
            for run in range(args.runs):
                page.locator("#seeds input, #seeds textarea").first.fill(str(run))
                click = time.perf_counter()
                page.locator("#generate-button").click()
                page.wait_for_function(
                    """([frames, seed]) => {
                        const f = document.querySelector('#viewer-frame');
                        const d = f && f.contentDocument;
                        if (!d || !d.body || d.body.dataset.frames !== String(frames)) return false;
                        if (!d.getElementById('title').textContent.includes('seed ' + seed + ')')) return false;
                        return Number(d.body.dataset.frame) > 0;
                    }""", arg=[frames, run], timeout=600_000, polling=20)
                times.append(time.perf_counter() - click)
                page.locator("#gen-status").filter(has_text="Downloads ready").wait_for(timeout=120_000)
            status = page.locator("#gen-status").inner_text().strip().splitlines()[0]
        finally:
            browser.close()
            playwright.stop()
    print(f"checkpoint: {args.checkpoint}")
    print(f"cold start: {serving:.1f} s to serving HTTP, {ready:.1f} s to the Generate button in the browser")
    print(f"click Generate -> playback ({args.seconds:g} s clip, {frames} frames, default settings): "
          f"median {statistics.median(times):.2f} s over {len(times)} runs ({', '.join(f'{t:.2f}' for t in times)})")
    print(f"last status: {status}")


if __name__ == "__main__":
    main()
