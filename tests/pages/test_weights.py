"""The Interaction weights page in a real browser: generated motion and a clip of a data set folder."""

from __future__ import annotations

from playwright.sync_api import expect

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


def test_weights_of_a_data_set_clip_and_bad_folders(page, shots, data_folder, tmp_path):
    page.get_by_role("tab", name="Interaction weights").click()
    page.get_by_label("A clip of a data set folder").check()
    folder = page.locator("#weights-folder textarea, #weights-folder input").first
    expect(folder).to_be_visible(timeout=TIMEOUT)

    folder.fill(str(tmp_path / "does-not-exist"))
    page.locator("#weights-load").click()
    expect(page.locator("#weights-info")).to_contain_text("data folder not found", timeout=TIMEOUT)

    folder.fill(str(tmp_path))  # exists, but is not in InterHuman's layout
    page.locator("#weights-load").click()
    expect(page.locator("#weights-info")).to_contain_text("missing folder", timeout=TIMEOUT)

    folder.fill(str(data_folder))
    page.locator("#weights-load").click()
    expect(page.locator("#weights-info")).to_contain_text("clip c3", timeout=TIMEOUT)
    expect(page.locator("#weights-heatmap .ytick").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#weights-3d .gtitle")).to_contain_text("Top-8", timeout=TIMEOUT)
    screenshot(page, shots, "weights_dataset_clip")
