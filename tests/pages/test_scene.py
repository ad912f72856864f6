"""The Scene page in a real browser: a three-part story, played, its middle regenerated, one BVH per person."""

from __future__ import annotations

import json

import gradio as gr
import numpy as np
import pytest
from playwright.sync_api import expect

from pages.scene import SceneSession, pick_window
from t2i_core.motion.features import FEATURE_DIM
from t2i_core.render.bvh import read_bvh
from t2i_core.render.media import video_facts
from t2i_core.scene import SceneMotion, Segment
from t2i_core.skeleton import JOINT_NAMES
from tests.pages.conftest import TIMEOUT, screenshot, wait_for_frame_change

STORY = ["two people walk towards each other and shake hands.", "one person pushes the other on the shoulder.",
         "the two people hug each other warmly."]


def download(page, element_id: str, folder):
    with page.expect_download(timeout=TIMEOUT) as info:
        page.locator(f"#{element_id}").click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def prompt_box(page, row: int):
    return page.locator(f"#scene-prompt-{row} textarea")


def wait_status(page, text: str) -> None:
    expect(page.locator("#scene-status")).to_contain_text(text, timeout=TIMEOUT)


def open_scene_tab(page) -> None:
    page.get_by_role("tab", name="Scene").click()
    expect(page.locator("#scene-generate-button")).to_be_visible(timeout=TIMEOUT)


def test_a_window_from_the_bar_sets_the_fields_and_a_forged_one_changes_nothing():
    motion = SceneMotion(np.zeros((2, 150, FEATURE_DIM), dtype=np.float32),
                         tuple(Segment(p, s) for p, s in zip(STORY, (1.5, 2.0, 1.5))))
    session = SceneSession(motion=motion)
    picker, start, stop, prompt = pick_window(session, "105 150|3")  # a segment's frames: that segment
    assert (picker["value"], start, stop, prompt) == (2, 3.5, 5.0, STORY[2])
    picker, start, stop, prompt = pick_window(session, "29 68|4")  # across a seam: the middle's prompt
    assert (picker["value"], start, stop, prompt) == (None, 0.967, 2.267, STORY[1])
    for forged in ("0 151|5", "60 60|6", "a b|7", "1.5 3|8", "12|9"):
        with pytest.warns(UserWarning, match="a window on the bar must lie within 0-5 s"):
            assert all(isinstance(v, type(gr.skip())) for v in pick_window(session, forged))
    assert all(isinstance(v, type(gr.skip())) for v in pick_window(SceneSession(), "0 10|1"))


def test_rows_are_added_reordered_and_removed(page):
    open_scene_tab(page)
    expect(page.locator("#scene-prompt-4")).to_be_hidden()
    page.locator("#scene-add").click()
    expect(page.locator("#scene-prompt-4")).to_be_visible(timeout=TIMEOUT)
    prompt_box(page, 4).fill("they wave goodbye.")
    page.locator("#scene-up-4").click()
    expect(prompt_box(page, 3)).to_have_value("they wave goodbye.", timeout=TIMEOUT)
    expect(prompt_box(page, 4)).to_have_value(prompt_box(page, 4).input_value())
    assert prompt_box(page, 4).input_value() != "they wave goodbye."
    third = prompt_box(page, 4).input_value()
    page.locator("#scene-remove-3").click()
    expect(prompt_box(page, 3)).to_have_value(third, timeout=TIMEOUT)
    expect(page.locator("#scene-prompt-4")).to_be_hidden()


def write_story(page) -> None:
    for row, (text, seconds) in enumerate(zip(STORY, ("1.5", "2", "1.5")), start=1):
        prompt_box(page, row).fill(text)
        page.locator(f"#scene-seconds-{row} input").fill(seconds)
    page.locator("#scene-steps input").fill("3")


def test_three_part_story_play_regenerate_the_middle_and_download(page, shots, tmp_path, checkpoint):
    open_scene_tab(page)
    write_story(page)

    # bad input first: a segment over 10 s is refused with what is accepted, nothing generated
    page.locator("#scene-seconds-2 input").fill("12")
    page.locator("#scene-generate-button").click()
    wait_status(page, "segment 2 is 12 s long; a segment is 1 to 10 s")
    page.locator("#scene-seconds-2 input").fill("2")

    page.locator("#scene-generate-button").click()
    wait_status(page, "generated a scene of 3 segments, 5 s (150 frames)")
    wait_status(page, "Downloads ready")
    inner = page.frame_locator("#scene-viewer-frame")
    body = inner.locator("body")
    expect(body).to_have_attribute("data-frames", "150", timeout=TIMEOUT)
    expect(body).to_have_attribute("data-segments", "3")
    expect(inner.locator("#marks .seam")).to_have_count(2)
    first, later = wait_for_frame_change(page, "scene-viewer-frame")  # it plays
    assert later != first
    inner.locator("#play").click()
    expect(body).to_have_attribute("data-playing", "0")
    inner.locator("#scrub").fill("60")  # inside the middle segment (frames 45-105)
    expect(body).to_have_attribute("data-segment", "1")
    expect(inner.locator("#segment")).to_contain_text(f"Segment 2 of 3: {STORY[1]}")
    screenshot(page, shots, "scene_page")
    before = tmp_path / "before"
    before.mkdir()
    npz_before = download(page, "scene-download-npz", before)

    # the edit controls point at the middle segment; regenerate it under a new prompt
    expect(page.locator("#scene-edit-start input")).to_have_value("1.5")
    expect(page.locator("#scene-edit-stop input")).to_have_value("3.5")
    page.locator("#scene-edit-prompt textarea").fill("one person dances around the other.")
    page.locator("#scene-edit-button").click()
    wait_status(page, "regenerated segment 2 for both persons")
    wait_status(page, "Downloads ready")
    expect(inner.locator("#marks .window")).to_have_count(1, timeout=TIMEOUT)

    after = tmp_path / "after"
    after.mkdir()
    npz_after = download(page, "scene-download-npz", after)
    with np.load(npz_before, allow_pickle=False) as old, np.load(npz_after, allow_pickle=False) as new:
        assert new["joints"].shape == (2, 150, 22, 3) and new["segment_frames"].tolist() == [[0, 45], [45, 105],
                                                                                            [105, 150]]
        for key in ("features", "joints"):  # frames outside the middle are the very same
            assert np.array_equal(new[key][:, :45], old[key][:, :45])
            assert np.array_equal(new[key][:, 105:], old[key][:, 105:])
        assert not np.allclose(new["features"][:, 45:105], old["features"][:, 45:105])
        joints = new["joints"].astype(np.float64)
        segments = json.loads(str(new["segments"]))
        settings = json.loads(str(new["settings"]))
    assert [s["prompt"] for s in segments] == [STORY[0], "one person dances around the other.", STORY[2]]
    assert settings["edits"][0]["window"] == [45, 105] and settings["checkpoint"] == checkpoint.name

    for person in (1, 2):
        bvh = read_bvh(download(page, f"scene-download-bvh{person}", after))
        assert bvh.frames == 150 and set(bvh.names) == set(JOINT_NAMES)
        positions = bvh.positions()[:, [bvh.names.index(n) for n in JOINT_NAMES]]
        assert np.abs(positions[:, 0] - joints[person - 1, :, 0]).max() < 1e-4  # the root follows the pelvis
    text = download(page, "scene-download-json", after).read_text()
    assert json.loads(text)["segments"][1]["start"] == 45 and str(checkpoint.parent) not in text

    # one person in a window, the other kept; and a window outside the scene is refused
    page.locator("#scene-edit-start input").fill("0.5")
    page.locator("#scene-edit-stop input").fill("1")
    expect(inner.locator("body")).to_have_attribute("data-selection", "15,30", timeout=TIMEOUT)  # typed: shaded
    page.get_by_label("person 2 only (person 1 kept)").check()
    page.locator("#scene-edit-button").click()
    wait_status(page, "regenerated 0.5-1 s for person 2 (person 1 kept)")
    wait_status(page, "Downloads ready")
    latest = tmp_path / "latest"
    latest.mkdir()
    with np.load(download(page, "scene-download-npz", latest), allow_pickle=False) as newest:
        assert np.array_equal(newest["features"][0], np.load(npz_after)["features"][0])
        assert np.array_equal(newest["features"][1, :15], np.load(npz_after)["features"][1, :15])
    page.locator("#scene-edit-stop input").fill("9")
    page.locator("#scene-edit-button").click()
    wait_status(page, "lies outside the scene: it must lie within 0-5 s")
    assert "Traceback" not in page.content() and "/tmp" not in page.locator("#scene-status").inner_text()


def window_fields(page) -> tuple[float, float]:
    return (float(page.locator("#scene-edit-start input").input_value()),
            float(page.locator("#scene-edit-stop input").input_value()))


def test_a_window_dragged_on_the_bar_is_regenerated_and_the_scene_recorded(page, shots, tmp_path):
    open_scene_tab(page)
    write_story(page)
    page.locator("#scene-generate-button").click()
    wait_status(page, "generated a scene of 3 segments, 5 s (150 frames)")
    wait_status(page, "Downloads ready")
    inner = page.frame_locator("#scene-viewer-frame")
    body = inner.locator("body")
    expect(body).to_have_attribute("data-selection", "45,105", timeout=TIMEOUT)  # the fields' window: segment 2
    before = download(page, "scene-download-npz", tmp_path)

    # The video: recorded by the browser from the viewer, the whole scene once, named as the downloads.
    with page.expect_download(timeout=TIMEOUT) as info:
        inner.locator("#record").click()
    video = tmp_path / info.value.suggested_filename
    info.value.save_as(video)
    facts = video_facts(video)
    assert video.name == f"{before.stem}.{facts.container}" and facts.container in ("mp4", "webm")
    assert facts.seconds == pytest.approx(5.0, abs=0.4)

    # A click on the lane under the bar selects the segment under it: the window fields and prompt follow.
    lane = inner.locator("#lane").bounding_box()
    y = lane["y"] + lane["height"] / 2

    def x(fraction: float) -> float:
        return lane["x"] + fraction * lane["width"]

    page.mouse.click(x(0.9), y)
    expect(body).to_have_attribute("data-selection", "105,150", timeout=TIMEOUT)
    expect(page.locator("#scene-edit-stop input")).to_have_value("5", timeout=TIMEOUT)
    assert window_fields(page) == (3.5, 5.0)
    expect(page.locator("#scene-edit-prompt textarea")).to_have_value(STORY[2])

    # A window dragged across the first seam: the same fields, shaded on the bar, regenerated.
    page.mouse.move(x(0.2), y)
    page.mouse.down()
    page.mouse.move(x(0.35), y, steps=5)
    page.mouse.move(x(0.45), y, steps=5)
    page.mouse.up()
    expect(body).not_to_have_attribute("data-selection", "105,150", timeout=TIMEOUT)
    start, stop = (int(v) for v in body.get_attribute("data-selection").split(","))
    assert abs(start - 0.2 * 149) <= 2 and abs(stop - (0.45 * 149 + 1)) <= 2
    expect(page.locator("#scene-edit-stop input")).not_to_have_value("5", timeout=TIMEOUT)
    assert window_fields(page) == (pytest.approx(start / 30, abs=1e-3), pytest.approx(stop / 30, abs=1e-3))
    expect(page.locator("#scene-edit-prompt textarea")).to_have_value(STORY[1])  # the segment at its middle
    screenshot(page, shots, "scene_window_dragged")
    page.locator("#scene-edit-button").click()
    wait_status(page, f"regenerated {start / 30:g}-{stop / 30:g} s for both persons")
    wait_status(page, "Downloads ready")
    expect(inner.locator("#marks .window")).to_have_count(1, timeout=TIMEOUT)
    expect(inner.locator("body")).to_have_attribute("data-selection", f"{start},{stop}")
    after = tmp_path / "after"
    after.mkdir()
    with np.load(before, allow_pickle=False) as old, \
            np.load(download(page, "scene-download-npz", after), allow_pickle=False) as new:
        for key in ("features", "joints"):  # every frame outside the dragged window is the very same
            assert np.array_equal(new[key][:, :start], old[key][:, :start])
            assert np.array_equal(new[key][:, stop:], old[key][:, stop:])
        assert not np.allclose(new["features"][:, start:stop], old["features"][:, start:stop])
        assert json.loads(str(new["settings"]))["edits"][-1]["window"] == [start, stop]
