"""The Data set page's slider at 10k and 100k points: the handler alone, and release-to-repaint in Chromium.

    OMP_NUM_THREADS=1 python benchmarks/bench_dataset_page.py [--points 10000 100000] [--repeats 50]
                                                              [--releases 7] [--handler-only]

The handler part times ``slider_moved`` (statuses as masks + counts + payload) on arrays made on the
fly and prints its median and 90th percentile: for a set with the paper's columns only, and for one with
the per-person and physical columns, all four of those filters on ("+ person and physical filters").
The browser part (skipped with ``--handler-only``) writes a synthetic compose output of each size into a
temporary data root, serves the Data set tab alone on a free local port, opens it in headless Chromium
(Debian's, or $T2I_CHROMIUM) and drags the delta slider with the mouse: the time from the mouse release
to the map repainted with the released value's colours (the page's script counts its repaints on the
map's ``data-recoloured``), median over ``--releases`` drags. Aims: 0.5 s at 10k points, 1.5 s at 100k.
No compose run, no model.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pages.dataset import ComposeSet, slider_moved
from t2i_core.compose.filters import Thresholds, statuses
from t2i_core.compose.output import candidate_id, write_output

AIMS_S = {10_000: 0.5, 100_000: 1.5}
THEMES = 40
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update"]
MAP = "document.querySelector('#dataset-map .js-plotly-plot')"
TIMEOUT_MS = 300_000  # opening 100k points on a shared CPU takes a while


def synthetic_scores(points: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    cosine = rng.uniform(-0.2, 1.0, points)
    distance = rng.gamma(4.0, 0.2, points)
    has_motion = rng.random(points) > 0.03
    cosine[~has_motion] = np.nan
    distance[~has_motion] = np.nan
    return {"cosine": cosine, "distance": distance, "has_motion": has_motion,
            "theme_codes": rng.integers(0, THEMES, points), "xy": rng.normal(size=(points, 2)).astype(np.float32)}


def synthetic_set(points: int, seed: int = 0, filters: bool = False) -> ComposeSet:
    scores = synthetic_scores(points, seed)
    rng = np.random.default_rng(seed + 1)
    optional = {}
    if filters:  # the per-person and physical columns, NaN where there is no motion
        person = rng.uniform(-0.2, 1.0, (points, 2))
        physical = {"penetration": rng.gamma(2.0, 0.02, points), "jitter": rng.gamma(3.0, 1.0, points),
                    "foot_skating": rng.uniform(0.0, 0.5, points)}
        person[~scores["has_motion"]] = np.nan
        for values in physical.values():
            values[~scores["has_motion"]] = np.nan
        optional = {"person_cosine": person, "physical": physical}
    candidates = pd.DataFrame({"id": [candidate_id(i) for i in range(points)], "description": "", "theme": "",
                               "status": "kept"})
    return ComposeSet(name="bench", set_id="bench", candidates=candidates, real=pd.DataFrame({"id": [], "caption": []}),
                      cosine=scores["cosine"], distance=scores["distance"], has_motion=scores["has_motion"],
                      theme_codes=scores["theme_codes"], themes=[f"theme{t}" for t in range(THEMES)],
                      synthetic_xy=scores["xy"], real_xy=np.zeros((0, 2), np.float32),
                      defaults=Thresholds(0.58, 0.2, 1.5, 5), k=5, real_folder=None, **optional)


def time_handler(points: int, repeats: int, filters: bool = False) -> None:
    data = synthetic_set(points, filters=filters)
    extra = (0.1, 0.05, 4.0, 0.3) if filters else ()  # person δ, max penetration, jitter, foot skating
    rng = np.random.default_rng(1)
    times, size = [], 0
    for _ in range(repeats):
        delta, r_min = rng.uniform(0.3, 0.8), rng.uniform(0.0, 0.4)
        started = time.perf_counter()
        payload, _, _ = slider_moved(data, delta, r_min, r_min + 1.0, "status", *extra)
        times.append(time.perf_counter() - started)
        size = len(payload)
    times.sort()
    label = " + person and physical filters" if filters else ""
    print(f"{points:>7,} points{label}: slider handler median {statistics.median(times) * 1e3:.2f} ms, "
          f"p90 {times[int(0.9 * len(times))] * 1e3:.2f} ms, payload {size / 1e3:.0f} kB", flush=True)


# -- the browser part ----------------------------------------------------------------------------
def write_synthetic_output(folder: Path, points: int, seed: int = 0) -> Path:
    """A compose output of ``points`` candidates (scores and map only, no motion files) and 100 real clips."""
    scores = synthetic_scores(points, seed)
    has_motion = scores["has_motion"]
    thresholds = Thresholds(delta=0.58, r_min=0.2, r_max=1.5, k=5)
    themes = np.array([f"theme{t}" for t in range(THEMES)], dtype=object)
    candidates = pd.DataFrame({
        "id": [candidate_id(i) for i in range(points)], "index": np.arange(points),
        "description": [f"synthetic scene {i}" for i in range(points)], "theme": themes[scores["theme_codes"]],
        "tags": "", "prompt1": "", "prompt2": "", "person1_source": "generated:joint", "seed": np.arange(points),
        "frames": np.where(has_motion, 60, 0), "cosine": scores["cosine"], "distance": scores["distance"],
        "status": statuses(scores["cosine"], scores["distance"], has_motion, thresholds),
        "reason": np.where(has_motion, "", "no second clause"), "novel": False})
    real_count = 100
    real = [{"id": f"r{i}", "caption": "two people shake hands", "theme": "greeting", "tags": ""}
            for i in range(real_count)]
    rng = np.random.default_rng(seed + 1)
    projection = {"synthetic": scores["xy"].astype(np.float64), "real": rng.normal(size=(real_count, 2)) + 3}
    embeddings = {"synthetic": np.zeros((points, 1)), "real": np.zeros((real_count, 1)),
                  "synthetic_text": np.zeros((points, 1))}
    info = {"set_id": f"bench{points}", "config": {"seed": seed},
            "defaults": {"delta": 0.58, "r_min": 0.2, "r_max": 1.5, "k": 5}}
    return write_output(folder, info, candidates, real, embeddings, projection, thresholds)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_dataset_page(data_root: Path):
    """The Data set tab alone, with the page's script, on a free local port: (Blocks, URL)."""
    import gradio as gr

    from pages import common, dataset
    from pages.session_store import SessionStore
    from t2i_core.roots import DataRoots

    roots = DataRoots.from_operator([data_root], builtin=())
    with gr.Blocks(title="bench") as demo, gr.Tabs():
        dataset.build(SessionStore(), roots)
    demo.queue(default_concurrency_limit=1)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                css=common.CSS + dataset.CSS, head=dataset.HEAD)
    return demo, f"http://127.0.0.1:{port}/"


def open_output(page, name: str) -> None:
    box = page.locator("#dataset-folder input").first
    box.fill(name)
    box.press("Enter")
    page.locator("#dataset-open").click()
    page.wait_for_function(f"() => {MAP} && {MAP}.layout && ({MAP}.layout.title.text || '').startsWith({name!r})",
                           timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => {MAP}._fullData && {MAP}._fullData[1] && {MAP}._fullData[1]._length > 0",
                           timeout=TIMEOUT_MS)
    time.sleep(2.0)  # the Open reply also resets the sliders; let their echoes settle


WATCH_REPAINTS = """() => {
  const map = document.querySelector('#dataset-map .js-plotly-plot');
  const range = document.querySelector('#dataset-delta input[type=range]');
  window.t2iBench = {released: null, repaints: []};
  range.addEventListener('pointerup', () => { window.t2iBench.released = performance.now(); }, true);
  new MutationObserver(() => window.t2iBench.repaints.push([performance.now(), map.dataset.repaintedDelta]))
    .observe(map, {attributes: true, attributeFilter: ['data-recoloured']});
}"""

REPAINTED = """(value) => window.t2iBench.released !== null
  && window.t2iBench.repaints.some(([at, delta]) => at >= window.t2iBench.released && Number(delta) === value)"""

SECONDS = """(value) => {
  const repaint = window.t2iBench.repaints.find(([at, delta]) => at >= window.t2iBench.released
                                                               && Number(delta) === value);
  return (repaint[0] - window.t2iBench.released) / 1000;
}"""


def drag_delta(page, start: float, end: float) -> float:
    """Drag the delta slider's knob from ``start`` to ``end`` (fractions of its track); the released value."""
    page.evaluate("() => { window.t2iBench.released = null; window.t2iBench.repaints = []; }")
    box = page.locator("#dataset-delta input[type=range]").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + start * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + end * box["width"], y, steps=4)
    page.mouse.up()
    return float(page.locator("#dataset-delta input[type=range]").input_value())


def time_releases(page, name: str, releases: int) -> list[float]:
    open_output(page, name)
    page.evaluate(WATCH_REPAINTS)
    rng = np.random.default_rng(2)
    times = []
    for _ in range(releases):
        start, end = rng.uniform(0.55, 0.95, 2)
        value = drag_delta(page, start, end)
        page.wait_for_function(REPAINTED, arg=value, timeout=TIMEOUT_MS, polling=50)
        times.append(page.evaluate(SECONDS, value))
        time.sleep(0.5)
    return times


def chromium() -> str:
    path = os.environ.get("T2I_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise SystemExit("Chromium not found: install Debian's package (apt-get install chromium), set "
                         "T2I_CHROMIUM, or pass --handler-only")
    return path


def time_browser(points_list: list[int], releases: int) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with tempfile.TemporaryDirectory(prefix="t2i-bench-") as temp:
        root = Path(temp) / "bench"
        for points in points_list:
            write_synthetic_output(root / f"compose_{points}", points)
        demo, url = serve_dataset_page(root)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                for points in points_list:
                    times = time_releases(page, f"bench/compose_{points}", releases)
                    aim = AIMS_S.get(points)
                    print(f"{points:>7,} points: slider release -> repainted map in Chromium median "
                          f"{statistics.median(times):.3f} s, max {max(times):.3f} s over {len(times)} releases"
                          + (f" (aim <= {aim} s)" if aim else ""), flush=True)
                browser.close()
        finally:
            demo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=50, help="handler calls per size")
    parser.add_argument("--releases", type=int, default=7, help="slider drags per size in Chromium")
    parser.add_argument("--handler-only", action="store_true", help="time the handler only (no browser)")
    args = parser.parse_args()
    for points in args.points:
        time_handler(points, args.repeats)
        time_handler(points, args.repeats, filters=True)
    if not args.handler_only:
        time_browser(args.points, args.releases)


if __name__ == "__main__":
    main()
