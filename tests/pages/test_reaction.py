"""The Reaction page in a real browser: person 2 generated for an uploaded .npz; broken files and escapes refused."""

from __future__ import annotations

import zipfile

import numpy as np
from playwright.sync_api import expect

from t2i_core.render.bvh import read_bvh
from t2i_core.roots import REFUSED
from t2i_core.skeleton import JOINT_NAMES
from tests.pages.conftest import TIMEOUT, generate


def react(page, prompt: str = "the other person steps back.") -> None:
    page.locator("#reaction-prompt textarea").fill(prompt)
    page.locator("#reaction-steps input").fill("4")
    page.locator("#reaction-button").click()


def test_reaction_from_an_uploaded_npz_and_a_broken_file(page, tmp_path):
    generate(page, seconds="2", steps="4")
    with page.expect_download() as download:
        page.locator("#download-npz").click()
    exported = tmp_path / "motion.npz"
    download.value.save_as(exported)
    page.get_by_role("tab", name="Reaction").click()
    page.locator("#reaction-upload input[type=file]").set_input_files(str(exported))
    react(page)
    status = page.locator("#reaction-status")
    expect(status).to_contain_text("person 2 generated", timeout=TIMEOUT)
    expect(status).to_contain_text("Downloads ready", timeout=TIMEOUT)
    body = page.frame_locator("#reaction-viewer-frame").locator("body")
    expect(body).to_have_attribute("data-frames", "60", timeout=TIMEOUT)
    with page.expect_download() as download:
        page.locator("#reaction-npz").click()
    with np.load(download.value.path(), allow_pickle=False) as result:
        given = np.load(exported, allow_pickle=False)["features"][0]
        assert result["features"].shape[0] == 2
        assert np.allclose(result["features"][0], given[: result["features"].shape[1]], atol=1e-4)

    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"this is not a motion")
    page.locator("#reaction-upload button[aria-label*='Clear'], #reaction-upload .label-clear-button").first.click()
    page.locator("#reaction-upload input[type=file]").set_input_files(str(broken))
    react(page)
    expect(status).to_contain_text("not a readable .npz archive", timeout=TIMEOUT)
    assert "Traceback" not in page.content() and str(tmp_path) not in status.inner_text()


def test_a_clip_outside_the_roots_is_refused(page, data_root):
    page.get_by_role("tab", name="Reaction").click()
    page.get_by_label("A clip of a data set folder").check()
    for escape in ("/etc", f"{data_root.name}/../", "/proc/self/cwd"):
        box = page.locator("#reaction-folder input").first
        box.fill(escape)
        box.press("Enter")
        page.locator("#reaction-clip textarea, #reaction-clip input").first.fill("c0")
        react(page, f"reaction for {escape}")
        expect(page.locator("#reaction-status")).to_contain_text(REFUSED, timeout=TIMEOUT)
        assert str(data_root) not in page.locator("#reaction-status").inner_text()


OTHER_SKELETON = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Spine
  {
    OFFSET 0 0.1 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 0.1 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.033333
0 1 0 0 0 0 0 0 0
0 1 0 0 0 0 0 0 0
"""


def test_reaction_from_our_bvh_and_a_bvh_of_another_skeleton(page, tmp_path):
    generate(page, seconds="2", steps="4")
    with page.expect_download() as download:
        page.locator("#download-bvh1").click()
    exported = tmp_path / "person1.bvh"
    download.value.save_as(exported)
    page.get_by_role("tab", name="Reaction").click()
    page.locator("#reaction-upload input[type=file]").set_input_files(str(exported))
    react(page)
    status = page.locator("#reaction-status")
    expect(status).to_contain_text("person 2 generated for person 1 of the uploaded .bvh file", timeout=TIMEOUT)
    expect(status).to_contain_text("Downloads ready", timeout=TIMEOUT)
    body = page.frame_locator("#reaction-viewer-frame").locator("body")
    expect(body).to_have_attribute("data-frames", "60", timeout=TIMEOUT)  # every frame of the file
    with page.expect_download() as download:
        page.locator("#reaction-npz").click()
    with np.load(download.value.path(), allow_pickle=False) as result:
        person1 = result["joints"][0]
    # Person 1 is the BVH's motion (its bodies at their median bone lengths), placed anew: compared by the
    # distances between its joints, which no move or turn changes.
    bvh = read_bvh(exported)
    in_file = bvh.positions()[:, [bvh.names.index(name) for name in JOINT_NAMES]]

    def poses(joints):
        return np.linalg.norm(joints[:, :, None] - joints[:, None], axis=-1)

    assert len(person1) == len(in_file)
    assert np.abs(poses(person1) - poses(in_file)).max() < 0.01

    other = tmp_path / "other.bvh"
    other.write_text(OTHER_SKELETON)
    page.locator("#reaction-upload button[aria-label*='Clear'], #reaction-upload .label-clear-button").first.click()
    page.locator("#reaction-upload input[type=file]").set_input_files(str(other))
    react(page, "the other person waves back.")
    expect(status).to_contain_text("a BVH of another skeleton (2 joints, e.g. Hips, Spine)", timeout=TIMEOUT)
    expect(status).to_contain_text("expected our 22 joints")
    assert "Traceback" not in page.content() and str(tmp_path) not in status.inner_text()


def test_an_upload_claiming_400000_frames_is_cropped_by_its_header(page, tmp_path):
    """Issue 21: a BVH claiming 400,000 frames held the model's slot for 82 s and took 2 GB. Read by its
    header, person 1 is cropped to the model's longest clip before parsing; an impossible .npz header
    gets a message."""
    generate(page, seconds="2", steps="4")
    with page.expect_download() as download:
        page.locator("#download-bvh1").click()
    exported = tmp_path / "person1.bvh"
    download.value.save_as(exported)
    head, _, rows = exported.read_text().partition("Frames: ")
    rows = rows.split("\n", 2)[2]
    huge = tmp_path / "huge.bvh"  # 6 x 60 real rows, then garbage that parsing the whole file would refuse
    huge.write_text(f"{head}Frames: 400000\nFrame Time: 0.0333333\n{rows * 6}" + "x y z\n" * 20_000)
    page.get_by_role("tab", name="Reaction").click()
    page.locator("#reaction-upload input[type=file]").set_input_files(str(huge))
    react(page)
    status = page.locator("#reaction-status")
    expect(status).to_contain_text("the file holds 400,000 frames: person 1 cropped to its first 300",
                                   timeout=TIMEOUT)
    expect(status).to_contain_text("Downloads ready", timeout=TIMEOUT)
    body = page.frame_locator("#reaction-viewer-frame").locator("body")
    expect(body).to_have_attribute("data-frames", "300", timeout=TIMEOUT)

    claims = tmp_path / "claims.npz"
    header = repr({"descr": "|V0", "fortran_order": False, "shape": (1, 10**12, 262)})
    header += " " * (-(len(header) + 11) % 64) + "\n"
    with zipfile.ZipFile(claims, "w") as archive:
        archive.writestr("features.npy", b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
    page.locator("#reaction-upload button[aria-label*='Clear'], #reaction-upload .label-clear-button").first.click()
    page.locator("#reaction-upload input[type=file]").set_input_files(str(claims))
    react(page)
    expect(status).to_contain_text("'features' holds values of type |V0, not numbers", timeout=TIMEOUT)
    assert "Traceback" not in page.content() and "MemoryError" not in page.content()
