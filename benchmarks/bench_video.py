"""A video of a 5-second clip two ways: recorded by the browser from the viewer (what the pages offer)
and rendered by the command-line MP4 renderer (``python -m t2i_core.render.video``).

    OMP_NUM_THREADS=1 python -m benchmarks.bench_video [--seconds 5] [--runs 3] [--no-cli]

The clip is generated once with the shipped model (``assets/interactor``, 10 DDIM steps) and written as
the Generate page's ``.npz``. Browser: the viewer page of that clip in headless Chromium (Debian's, or
$T2I_CHROMIUM); the time from clicking ⏺ Video to the download being saved, its container and its decoded
duration (``t2i_core.render.media``). Aim (issue 21): ready within the clip's own length, no server work.
CLI: the wall time of ``python -m t2i_core.render.video CLIP.npz OUT.mp4`` (a new process, as the app's
server renderer runs it), skipped with ``--no-cli`` or where OpenGL/EGL is unavailable.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pages.common import DEFAULT_CHECKPOINT
from t2i_core.pipeline import Text2InteractPipeline
from t2i_core.render.export import export_sample, file_stem
from t2i_core.render.media import video_facts
from t2i_core.render.playback import playback_data
from t2i_core.render.video import video_unavailable_reason
from t2i_core.render.viewer import viewer_html
from tests.browser import CHROMIUM_ARGS, chromium_path

PROMPT = "two people greet each other by shaking hands."
REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3, help="browser recordings (the median is shown)")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line renderer")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    pipeline = Text2InteractPipeline.from_pretrained(DEFAULT_CHECKPOINT)
    result = pipeline(PROMPT, seconds=args.seconds, seed=0, steps=10)
    joints, stem = result.joints[0], file_stem(PROMPT, 0)
    frames = joints.shape[1]
    print(f"clip: {frames} frames at {result.fps} fps ({frames / result.fps:.2f} s)")
    with tempfile.TemporaryDirectory(prefix="bench-video-") as tmp:
        tmp = Path(tmp)
        files = export_sample(tmp, joints, result.features[0], PROMPT, 0, {}, result.fps)
        viewer = tmp / "viewer.html"
        viewer.write_text(viewer_html(playback_data(joints, result.fps, PROMPT), download_name=stem))

        times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
            for run in range(args.runs):
                page = browser.new_page(viewport={"width": 800, "height": 520}, accept_downloads=True)
                page.goto(viewer.as_uri())
                page.wait_for_function("document.body.dataset.frames !== '0'")
                started = time.perf_counter()
                with page.expect_download(timeout=120_000) as download:
                    page.locator("#record").click()
                out = tmp / f"run{run}-{download.value.suggested_filename}"
                download.value.save_as(out)
                times.append(time.perf_counter() - started)
                facts = video_facts(out)
                print(f"browser run {run + 1}: {times[-1]:.2f} s to a saved {facts.container} "
                      f"({out.stat().st_size / 1024:.0f} KiB, {facts.frames} frames decoded, "
                      f"{facts.seconds:.2f} s long)", flush=True)
                page.close()
            browser.close()
        print(f"browser recording: median {statistics.median(times):.2f} s for a {frames / result.fps:.1f} s clip "
              f"(aim: the clip's own length; a real-time recording adds the last frame and the encoder's flush; "
              f"nothing runs on the server)")

        if args.no_cli:
            return
        reason = video_unavailable_reason()
        if reason:
            print(f"CLI renderer: unavailable here ({reason})")
            return
        out = tmp / f"{stem}.mp4"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "t2i_core.render.video", str(files.npz), str(out)], cwd=REPO,
                       check=True, capture_output=True)
        elapsed = time.perf_counter() - started
        facts = video_facts(out)
        print(f"CLI renderer (python -m t2i_core.render.video): {elapsed:.1f} s to an {facts.container} of "
              f"{facts.seconds:.2f} s ({facts.frames} frames)")


if __name__ == "__main__":
    main()
