from playwright.sync_api import expect, sync_playwright

from tests.browser import CHROMIUM_ARGS, chromium_path, running_app


def test_app_serves_its_page_in_a_real_browser():
    executable = chromium_path()
    with running_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(url)
            expect(page).to_have_title("Text2Interact", timeout=60_000)
            expect(page.locator("#about-text")).to_contain_text("two people interacting in 3D", timeout=60_000)
        finally:
            browser.close()
