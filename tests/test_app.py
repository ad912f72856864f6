import gc
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from t2i_core.model_worker import WORKER_NICE
from tests.browser import app_process, running_app


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


def _children(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_the_model_runs_in_its_own_lower_priority_process_that_ends_with_the_server():
    with app_process() as (server, _):
        workers = [pid for pid in _children(server.pid)
                   if b"t2i_core.model_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(workers) == 1
        worker = workers[0]
        assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, os.getpriority(os.PRIO_PROCESS, server.pid)
                                                              + WORKER_NICE)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{worker}").exists() or " Z " in Path(f"/proc/{worker}/stat").read_text()


def test_startup_objects_are_kept_out_of_full_garbage_collections():
    import app

    gc.unfreeze()
    try:
        built = [[n] for n in range(1000)]  # containers, which the collector tracks, as the built app is
        app.freeze_startup_objects()
        assert gc.get_freeze_count() >= len(built)
        assert not any(o is built[0] for o in gc.get_objects(generation=2))  # frozen: full collections skip it
    finally:
        gc.unfreeze()


def test_a_data_root_that_is_not_a_folder_stops_the_app_with_a_clear_message(tmp_path, capsys):
    import app

    with pytest.raises(SystemExit):
        app.main(["--data-root", str(tmp_path / "missing")])
    error = capsys.readouterr().err
    assert "--data-root" in error and "missing: not a folder" in error
