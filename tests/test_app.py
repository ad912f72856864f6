import pytest
from playwright.sync_api import expect

from tests.browser import running_app


def test_app_serves_its_page_in_a_real_browser(browser):
    with running_app() as url:
        page = browser.new_page()
        try:
            page.goto(url)
            expect(page).to_have_title("Text2Interact", timeout=60_000)
            page.get_by_role("tab", name="About").click()
            expect(page.locator("#about-text")).to_contain_text("two people interacting in 3D", timeout=60_000)
        finally:
            page.close()



def test_a_data_root_that_is_not_a_folder_stops_the_app_with_a_clear_message(tmp_path, capsys):
    import app

    with pytest.raises(SystemExit):
        app.main(["--data-root", str(tmp_path / "missing")])
    error = capsys.readouterr().err
    assert "--data-root" in error and "missing: not a folder" in error
