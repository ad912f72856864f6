"""The Attention page in a real browser: the prompt's words on the heatmap, selectors, the frame cursor."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.pages.conftest import TIMEOUT, generate, screenshot

PROMPT = "one person pulls a rope, the other is dragged forward."


def tick_labels(page, element_id: str) -> list[str]:
    return [t.strip() for t in page.locator(f"#{element_id} .ytick text").all_text_contents()]


def cursor_x(page) -> float:
    return page.evaluate("() => document.querySelector('#attention-words .js-plotly-plot').layout.shapes[0].x0")


def test_attention_shows_the_prompt_words_and_follows_the_frame(page, shots):
    generate(page, PROMPT, seconds="2", steps="5")
    page.get_by_role("tab", name="Attention").click()
    expect(page.locator("#attention-info")).to_contain_text("pulls a rope", timeout=TIMEOUT)
    expect(page.locator("#attention-words .ytick").first).to_be_visible(timeout=TIMEOUT)
    labels = tick_labels(page, "attention-words")
    for word in ("one", "person", "pulls", "rope", "dragged", "forward"):
        assert word in labels, labels
    expect(page.locator("#attention-bars .xtick").first).to_be_visible()
    expect(page.locator("#attention-person .main-svg").first).to_be_visible()
    screenshot(page, shots, "attention_page")

    # One block and one head instead of the average: still labelled with the words.
    page.locator("#attention-head input").click()
    page.get_by_role("option", name="1", exact=True).click()
    expect(page.locator("#attention-words .gtitle")).to_contain_text("head 1", timeout=TIMEOUT)
    assert "rope" in tick_labels(page, "attention-words")

    # The frame slider moves the heatmap cursor and seeks the viewer next to it.
    box = page.locator("#attention-frame-slider input[type=number]")
    box.fill("30")
    box.press("Enter")
    viewer = page.frame_locator("#attention-frame").locator("body")
    expect(viewer).to_have_attribute("data-frame", "30", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('#attention-words .js-plotly-plot').layout.shapes[0].x0 === 30",
        timeout=TIMEOUT)
    assert cursor_x(page) == 30
    screenshot(page, shots, "attention_frame_30")

    # Playing the viewer moves the cursor lines with it, in the browser.
    line = page.locator("#attention-words .shapelayer path[data-index='0']")
    before = line.get_attribute("d")
    page.frame_locator("#attention-frame").locator("#play").click()
    expect(line).not_to_have_attribute("d", before, timeout=TIMEOUT)
    expect(page.locator("#attention-frame-slider input[type=number]")).not_to_have_value("30", timeout=TIMEOUT)


def test_a_prompt_holding_html_shows_as_text(page, shots):
    markup = ('<b id="injected-b">shake</b> hands <img id="injected-img" src=x onerror="window.__t2iPwned=1"> '
              '<script>window.__t2iPwned=2</script>')
    generate(page, f"two people {markup}", seconds="2", steps="5")
    page.get_by_role("tab", name="Attention").click()
    info = page.locator("#attention-info")
    expect(info).to_contain_text(markup, timeout=TIMEOUT)  # the visitor's text, character for character
    expect(page.locator("#attention-words .ytick").first).to_be_visible(timeout=TIMEOUT)
    for frame in (page.main_frame, *page.frames):  # nothing injected into the page or the viewers' frames
        assert frame.locator("#injected-b, #injected-img").count() == 0
        assert frame.evaluate("() => window.__t2iPwned === undefined")
    assert info.locator("script, img, b").count() == 0
    screenshot(page, shots, "attention_html_prompt")
