"""The Generate page in a real browser: generate, watch it play, take the files away, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from playwright.sync_api import expect

from t2i_core.render.bvh import read_bvh
from t2i_core.render.video import video_unavailable_reason
from t2i_core.skeleton import JOINT_NAMES
from tests.browser import running_app
from tests.pages.conftest import TIMEOUT, fill_form, generate, pixels, screenshot, wait_for_frame_change

PROMPT = "two people greet each other by shaking hands."


def download(page, element_id: str, folder):
    with page.expect_download(timeout=TIMEOUT) as info:
        page.locator(f"#{element_id}").click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_generate_plays_and_downloads(page, shots, tmp_path, checkpoint):
    generate(page, PROMPT, seconds="2", steps="5")
    expect(page.locator("#gen-status")).to_contain_text("seed 0")

    # The 3D playback advances over time: the frame index and the pixels both change.
    viewer = page.locator("#viewer-frame")
    first, later = wait_for_frame_change(page)
    assert later != first
    a = viewer.screenshot(path=shots / "viewer_1.png")
    page.wait_for_timeout(500)
    b = viewer.screenshot(path=shots / "viewer_2.png")
    assert a != b
    assert np.abs(pixels(shots / "viewer_1.png") - pixels(shots / "viewer_2.png")).sum() > 0
    screenshot(page, shots, "generate_page")

    # Pause holds the frame; scrubbing moves it.
    inner = page.frame_locator("#viewer-frame")
    inner.locator("#play").click()
    expect(inner.locator("body")).to_have_attribute("data-playing", "0")
    held = inner.locator("body").get_attribute("data-frame")
    page.wait_for_timeout(400)
    assert inner.locator("body").get_attribute("data-frame") == held
    inner.locator("#scrub").fill("10")
    expect(inner.locator("body")).to_have_attribute("data-frame", "10")

    # Orbit by dragging and zoom by the wheel, while paused: the picture changes, the frame does not.
    still = viewer.screenshot(path=shots / "viewer_paused.png")
    box = viewer.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 30, steps=5)
    page.mouse.up()
    orbited = viewer.screenshot(path=shots / "viewer_orbited.png")
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(200)
    zoomed = viewer.screenshot(path=shots / "viewer_zoomed.png")
    assert still != orbited != zoomed
    expect(inner.locator("body")).to_have_attribute("data-frame", "10")

    npz_path = download(page, "download-npz", tmp_path)
    with np.load(npz_path, allow_pickle=False) as data:
        assert data["joints"].shape == (2, 60, 22, 3)
        assert data["features"].shape == (2, 60, 262)
        assert str(data["prompt"]) == PROMPT and int(data["fps"]) == 30 and int(data["seed"]) == 0
        joints = data["joints"].astype(np.float64)
        settings = json.loads(str(data["settings"]))
    assert settings["steps"] == 5 and settings["seed"] == 0 and settings["frames"] == 60

    for person in (1, 2):
        bvh = read_bvh(download(page, f"download-bvh{person}", tmp_path))
        assert len(bvh.names) == 22 and set(bvh.names) == set(JOINT_NAMES)
        assert bvh.frames == 60 and abs(bvh.frame_time - 1 / 30) < 1e-6
        positions = bvh.positions()[:, [bvh.names.index(n) for n in JOINT_NAMES]]
        # The root follows the pelvis exactly; the limbs are exact for a rigid skeleton (tests/render/test_bvh.py)
        # and here come from a random test model whose bone lengths wobble, so only their directions are checked.
        assert np.abs(positions[:, 0] - joints[person - 1, :, 0]).max() < 1e-4
        for parent, child in ((18, 20), (19, 21), (4, 7), (5, 8)):  # forearms and shins
            got = positions[:, child] - positions[:, parent]
            want = joints[person - 1, :, child] - joints[person - 1, :, parent]
            cosine = np.sum(got * want, -1) / np.linalg.norm(got, axis=-1) / np.linalg.norm(want, axis=-1)
            assert cosine.min() > 0.999

    text = download(page, "download-json", tmp_path).read_text()
    saved = json.loads(text)
    assert saved["prompt"] == PROMPT and saved["seed"] == 0 and saved["num_samples"] == 1
    # The checkpoint by its folder's name (it lies outside the project), never the server's absolute path.
    assert saved["checkpoint"] == checkpoint.name and f"--checkpoint {checkpoint.name}" in saved["command"]
    assert str(checkpoint.parent) not in text and str(checkpoint.parent) not in page.content()
    expect(page.locator("#checkpoint-info")).to_contain_text(checkpoint.name)


def test_several_samples_keep_the_last_result_visible_and_can_be_picked(page, shots):
    generate(page, PROMPT, seconds="1", steps="3", samples="2", seeds="7")
    picker = page.locator("#sample-picker")
    expect(picker).to_be_visible()
    expect(picker).to_contain_text("seed 8")
    page.get_by_label("Sample 2 (seed 8)").check()
    expect(page.frame_locator("#viewer-frame").locator("#title")).to_contain_text("seed 8", timeout=TIMEOUT)
    expect(page.locator("#gen-status")).to_contain_text("Downloads ready", timeout=TIMEOUT)
    # The dice writes new seeds, one per sample.
    page.locator("#dice-button").click()
    expect(page.locator("#seeds textarea, #seeds input").first).not_to_have_value("7", timeout=TIMEOUT)
    # While a new motion is made, the old one stays in the viewer.
    fill_form(page, steps="200", seconds="10", samples="1")
    page.locator("#generate-button").click()
    expect(page.locator("#gen-status")).to_contain_text("Denoising", timeout=TIMEOUT)  # the progress bar
    expect(page.frame_locator("#viewer-frame").locator("#title")).to_contain_text("seed 8")
    screenshot(page, shots, "generate_in_progress", full_page=False)
    expect(page.locator("#gen-status")).to_contain_text("#2", timeout=TIMEOUT)
    screenshot(page, shots, "generate_two_samples")


BAD_INPUTS = [
    ({"prompt": ""}, "the prompt is empty"),
    ({"prompt": "   \n\t  "}, "the prompt is empty"),
    ({"prompt": "a" * 4999 + "."}, "5,000 characters"),
    ({"prompt": "🤝🤝 🙂"}, "no words"),
    ({"steps": "5000"}, "DDIM steps must be a whole number from 1 to 200"),
    ({"steps": "-3"}, "DDIM steps must be a whole number from 1 to 200"),
    ({"seconds": "25"}, "the length must be between 1 and 10 seconds"),
    ({"seconds": "0.2"}, "the length must be between 1 and 10 seconds"),
    ({"samples": "99"}, "number of samples must be a whole number from 1 to 4"),
    ({"guidance": "-1"}, "guidance scale must be between 0 and 20"),
    ({"seeds": "one, two"}, "seeds must be whole numbers"),
]


@pytest.mark.parametrize(("fields", "expected"), BAD_INPUTS, ids=[e for _, e in BAD_INPUTS])
def test_bad_input_gives_a_visible_message(page, shots, fields, expected):
    values = {"prompt": PROMPT, "steps": "5", **fields}
    fill_form(page, **values)
    page.locator("#generate-button").click()
    status = page.locator("#gen-status")
    expect(status).to_contain_text("Cannot generate", timeout=TIMEOUT)
    expect(status).to_contain_text(expected)
    expect(page.locator(".toast-body").first).to_be_visible(timeout=TIMEOUT)  # the warning pop-up too
    assert "Traceback" not in page.content()
    if expected in ("5,000 characters", "no words"):
        screenshot(page, shots, f"bad_input_{expected.replace(' ', '_').replace(',', '')}")


@pytest.mark.parametrize(("prompt", "warning"), [
    ("两个人握手", "other scripts"),
    ("two people 🤝 shake hands", "emoji"),
])
def test_unusual_text_generates_with_a_warning(page, prompt, warning):
    generate(page, prompt, seconds="1", steps="3")
    expect(page.locator("#gen-status")).to_contain_text(warning)


def test_many_clicks_at_once_and_two_visitors(page, browser, app_url, shots):
    fill_form(page, prompt=PROMPT, seconds="1", steps="3")
    for _ in range(10):
        page.locator("#generate-button").click(no_wait_after=True)
    # A second visitor generates at the same time and sees only their own result.
    other = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    try:
        other.goto(app_url)
        generate(other, "the two people hug each other warmly.", seconds="1", steps="3")
        expect(other.frame_locator("#viewer-frame").locator("#title")).to_contain_text("hug")
    finally:
        other.context.close()
    expect(page.locator("#gen-status")).to_contain_text("Downloads ready", timeout=TIMEOUT)
    expect(page.frame_locator("#viewer-frame").locator("#title")).to_contain_text("shaking hands")
    screenshot(page, shots, "after_many_clicks")
    # Still serving: one more generation goes through.
    generate(page, "one person pushes the other.", seconds="1", steps="3")
    assert "Traceback" not in page.content()


def test_video_is_rendered_on_request(page, shots):
    reason = video_unavailable_reason()
    if reason is not None:
        pytest.skip(f"video rendering unavailable: {reason}")
    generate(page, PROMPT, seconds="1", steps="3")
    page.get_by_text("Video rendered on the server (MP4, slower; its own queue)").click()
    page.locator("#video-button").click()
    expect(page.locator("#video-status")).to_contain_text("Video rendered", timeout=TIMEOUT)
    expect(page.locator("#video video")).to_have_count(1, timeout=TIMEOUT)
    screenshot(page, shots, "video")


def test_a_missing_checkpoint_is_explained_in_the_page(browser, tmp_path, shots):
    missing = tmp_path / "no-model-here"
    with running_app("--checkpoint", str(missing)) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        try:
            page = context.new_page()
            page.goto(url)
            banner = page.locator("#model-missing")
            expect(banner).to_contain_text("No model checkpoint at no-model-here", timeout=TIMEOUT)
            expect(banner).to_contain_text("training.train_interactor")
            assert str(tmp_path) not in page.content()  # no server path on the page
            fill_form(page, prompt=PROMPT)
            page.locator("#generate-button").click()
            expect(page.locator("#gen-status")).to_contain_text("Cannot generate", timeout=TIMEOUT)
            screenshot(page, shots, "missing_checkpoint")
        finally:
            context.close()


@pytest.mark.filterwarnings("ignore:video rendering unavailable")
def test_without_opengl_the_page_says_video_rendering_is_unavailable(monkeypatch, tmp_path):
    """No browser needed: the Generate page's video handler turns the core's error into its message."""
    from pages import common
    from pages import generate as page_module
    from t2i_core.pipeline import GenerationResult
    from t2i_core.render.video import VideoUnavailableError

    def no_gl(*args, **kwargs):
        raise VideoUnavailableError("pyrender/OpenGL could not be loaded (libEGL.so.1: cannot open shared object)")

    monkeypatch.setattr(page_module, "render_video_isolated", no_gl)
    monkeypatch.setattr(common, "SESSION_ROOT", tmp_path)
    session = common.Session(result=GenerationResult("p", np.zeros((1, 2, 3, 262)), np.zeros((1, 2, 3, 22, 3)), [0]))
    _, status = page_module.make_video(session)
    assert "video rendering unavailable: pyrender/OpenGL could not be loaded (libEGL.so.1" in status
    session.cleanup()


def test_a_230_character_word_downloads_and_records_under_a_short_name(page, tmp_path):
    """Issue 21: a one-word prompt of 230 characters broke every download ("file name too long"). Its files
    and the browser's recording of the viewer now come under one short name, made in one place."""
    from t2i_core.render.export import file_stem
    from t2i_core.render.media import video_facts

    word = "interaction" * 21
    generate(page, word[:230], seconds="2", steps="4", seeds="5")
    stem = file_stem(word[:230], 5)
    assert len(stem) < 70
    for element_id, suffix in (("download-npz", ".npz"), ("download-bvh1", "_person1.bvh"),
                               ("download-json", "_settings.json")):
        target = download(page, element_id, tmp_path)
        assert target.name == stem + suffix and target.stat().st_size > 0
    with np.load(tmp_path / f"{stem}.npz", allow_pickle=False) as data:
        assert str(data["prompt"]) == word[:230] and data["joints"].shape[1] == 60
    # The video: recorded by the browser from the viewer, the clip once (2 s), nothing asked of the server.
    with page.expect_download(timeout=TIMEOUT) as info:
        page.frame_locator("#viewer-frame").locator("#record").click()
    video = tmp_path / info.value.suggested_filename
    info.value.save_as(video)
    facts = video_facts(video)
    assert video.name == f"{stem}.{facts.container}" and facts.container in ("mp4", "webm")
    assert facts.seconds == pytest.approx(2.0, abs=0.3)
    expect(page.locator("#video video")).to_have_count(0)  # the server's renderer was not asked
