"""The Interaction weights page in a real browser: generated motion and a clip of a data set folder."""

from __future__ import annotations

from playwright.sync_api import expect

from t2i_core.roots import REFUSED
from tests.browser import REPO
from tests.fixtures import build_folder
from tests.pages.conftest import TIMEOUT, generate, screenshot


def test_weights_of_the_generated_motion(page, shots):
    generate(page, "two people greet each other by shaking hands.", seconds="2", steps="5")
    page.get_by_role("tab", name="Interaction weights").click()
    expect(page.locator("#weights-info")).to_contain_text("generated sample 1", timeout=TIMEOUT)
    expect(page.locator("#weights-heatmap .ytick").first).to_be_visible(timeout=TIMEOUT)
    labels = page.locator("#weights-heatmap .ytick text").all_text_contents()
    assert len(labels) == 22 and "l_wrist" in labels and "head" in labels
    expect(page.locator("#weights-heatmap .gtitle")).to_contain_text("ε = 0.1")
    expect(page.locator("#weights-3d .gtitle")).to_contain_text("Top-8 weighted pairs")
    expect(page.locator("#weights-timeline .legendtext").first).to_contain_text("P1 ")

    # A different eps changes the title and the weights.
    box = page.locator("#weights-eps input[type=number]")
    box.fill("0.5")
    box.press("Enter")
    expect(page.locator("#weights-heatmap .gtitle")).to_contain_text("ε = 0.5", timeout=TIMEOUT)
    screenshot(page, shots, "weights_generated")


def choose_folder(page, name: str) -> None:
    """Type a folder name into the folder box (a dropdown that also takes typed names) and load its clips."""
    box = page.locator("#weights-folder input").first
    box.fill(name)
    box.press("Enter")
    page.locator("#weights-load").click()


def test_weights_of_a_data_set_clip_and_bad_folders(page, shots, data_root, data_folder, tmp_path):
    # A folder whose split file is a link out of the roots: its lines must never become clip names.
    leaky = build_folder(data_root / "leaky", {"test": ["c9"]})
    (leaky / "split" / "test.txt").unlink()
    (leaky / "split" / "test.txt").symlink_to("/etc/passwd")
    page.get_by_role("tab", name="Interaction weights").click()
    page.get_by_label("A clip of a data set folder").check()
    expect(page.locator("#weights-folder")).to_be_visible(timeout=TIMEOUT)

    # The roots' InterHuman-layout folders are offered by name, never by server path.
    page.locator("#weights-folder input").first.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible(timeout=TIMEOUT)
    offered = [o.strip() for o in options.all_inner_texts()]
    assert f"{data_root.name}/interhuman" in offered and f"{data_root.name}/leaky" in offered, offered
    assert not any(str(data_root) in o for o in offered), offered
    page.locator("#weights-info").click()  # close the list without choosing

    # Every place outside the roots, existing or not, gets the one reply, naming nothing on the disk.
    info = page.locator("#weights-info")
    replies = []
    for escape in (str(tmp_path / "does-not-exist"), str(tmp_path), str(data_folder), "/etc", "/proc/self/cwd",
                   "~", f"{data_root.name}/../", f"{data_root.name}/interhuman/../../", f"{data_root.name}/leaky"):
        choose_folder(page, data_root.name)  # another reply first, so each escape's reply is seen arriving
        expect(info).to_contain_text(f"{data_root.name} is not in InterHuman's layout", timeout=TIMEOUT)
        choose_folder(page, escape)  # the last: inside a root, but its split file links out of it
        expect(info).to_contain_text(REFUSED, timeout=TIMEOUT)
        replies.append(info.inner_text())
        for leaked in (str(tmp_path), str(data_root), "root:", "daemon", str(REPO), "/proc"):
            assert leaked not in replies[-1], (escape, replies[-1])
        assert page.locator("#weights-clip input").first.input_value() == ""
    assert len(set(replies)) == 1, replies
    screenshot(page, shots, "weights_refused_folder")

    choose_folder(page, f"{data_root.name}/interhuman")
    expect(info).to_contain_text("clip c3", timeout=TIMEOUT)
    expect(page.locator("#weights-heatmap .ytick").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#weights-3d .gtitle")).to_contain_text("Top-8", timeout=TIMEOUT)
    assert str(data_root) not in page.content()
    screenshot(page, shots, "weights_dataset_clip")
