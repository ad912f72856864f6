"""The viewer's ⏺ Video button in a real (Debian) Chromium: the browser records the canvas while the clip
plays once and saves a playable file of the clip's length (MP4 where the browser makes MP4, else WebM)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from t2i_core.render.media import video_facts
from t2i_core.render.playback import playback_data
from t2i_core.render.viewer import viewer_html

FPS = 30


def walking_pair(frames: int) -> np.ndarray:
    t = np.arange(frames)[None, :, None] / FPS
    joints = np.zeros((2, frames, 22, 3))
    joints[..., 1] = np.linspace(0.05, 1.7, 22)
    joints[1, ..., 0] += 1.0
    joints[..., 0] += 0.3 * np.sin(2 * np.pi * 0.5 * t)
    return joints


def record(browser, tmp_path, frames: int, name: str, mp4: bool = True):
    page = browser.new_page(viewport={"width": 720, "height": 520}, accept_downloads=True)
    if not mp4:  # a browser without MP4 recording (Firefox, older Chromium)
        page.add_init_script("""(() => { const real = MediaRecorder.isTypeSupported.bind(MediaRecorder);
            MediaRecorder.isTypeSupported = (t) => !t.startsWith("video/mp4") && real(t); })()""")
    html = tmp_path / "viewer.html"  # navigated to, so that the init script runs in its document
    html.write_text(viewer_html(playback_data(walking_pair(frames), FPS, "two people"), download_name=name))
    page.goto(html.as_uri())
    page.wait_for_function("document.body.dataset.frames !== '0'")
    with page.expect_download(timeout=60_000) as download:
        page.locator("#record").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    recorded = json.loads(page.locator("body").get_attribute("data-recorded"))
    page.close()
    return path, recorded


@pytest.mark.parametrize(("frames", "mp4"), [(90, True), (150, True), (60, False)])
def test_the_recording_is_a_playable_file_of_the_clips_length(browser, tmp_path, frames, mp4):
    path, recorded = record(browser, tmp_path, frames, "one_person_waves_seed7", mp4)
    seconds = frames / FPS
    facts = video_facts(path)
    if mp4:
        assert path.name == "one_person_waves_seed7.mp4" and facts.container == "mp4"
        assert recorded["type"].startswith("video/mp4")
        assert facts.header_seconds == pytest.approx(seconds, abs=0.25)  # the container states its length
    else:
        assert path.name == "one_person_waves_seed7.webm" and facts.container == "webm"
    assert facts.seconds == pytest.approx(seconds, abs=0.25)  # decoded: the clip once, at 1x
    assert facts.frames >= seconds * 10  # frames were captured throughout, not one still
    # Ready within the clip's own length (plus the last frame and the encoder's flush).
    assert recorded["seconds"] < seconds + 1.0 and recorded["bytes"] == path.stat().st_size


def test_without_a_name_there_is_no_record_button(browser):
    page = browser.new_page()
    page.set_content(viewer_html(playback_data(walking_pair(30), FPS), viewer_id="study-left"))
    assert not page.locator("#record").is_visible()
    page.close()
