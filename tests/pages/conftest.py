"""One app for all page tests (started once, on a small random model), a real Chromium, and helpers."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from playwright.sync_api import Page, expect

from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.motion.stats import feature_stats
from t2i_core.pipeline import Text2InteractPipeline
from t2i_core.text import build_text_encoder
from tests.browser import running_app
from tests.fixtures import build_compose_output, build_folder

TIMEOUT = 90_000  # ms; generous, the CPU is shared with other work


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """The folder the app is started with as ``--data-root``; its name is the root's name on the pages."""
    return tmp_path_factory.mktemp("datasets")


@pytest.fixture(scope="session")
def data_folder(data_root) -> Path:
    """A data set inside the data root, offered as ``<root name>/interhuman``."""
    return build_folder(data_root / "interhuman", {"train": ["c0", "c1"], "val": ["c2"], "test": ["c3", "c4"]})


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory, data_folder) -> Path:
    """A tiny random InterActor with the fixture data's statistics: bodies that look like bodies, fast."""
    torch.manual_seed(0)
    model = InterActor(InterActorConfig.tiny())
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.05)
    data = InterHumanDataset(data_folder, split="train", mode="eval", progress=False,
                             cache_dir=tmp_path_factory.mktemp("cache"))
    mean, std = feature_stats(data.full_features(i) for i in range(len(data.entries)))
    pipe = Text2InteractPipeline(model, DDIMScheduler(), build_text_encoder("minilm"), torch.from_numpy(mean),
                                 torch.from_numpy(std * 0.3))
    return pipe.save_pretrained(tmp_path_factory.mktemp("checkpoint"))


@pytest.fixture(scope="session")
def compose_folder(data_root) -> Path:
    """A small InterCompose output inside the data root, offered as ``<root name>/compose``."""
    return build_compose_output(data_root / "compose", data_root / "compose_real")


@pytest.fixture(scope="session")
def app_url(checkpoint, data_root, data_folder, compose_folder):
    with running_app("--checkpoint", str(checkpoint), "--data-root", str(data_root)) as url:
        yield url


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser, app_url, shots, request) -> Page:
    """A fresh visitor (own browser context, so own session state) on the app's page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(app_url)
    expect(page.locator("#generate-button")).to_be_visible(timeout=TIMEOUT)
    page.errors = errors
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def screenshot(page: Page, shots: Path, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as a test artifact (and into $T2I_SHOTS when set, to look at)."""
    path = shots / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    extra = os.environ.get("T2I_SHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    return path


def fill_form(page: Page, prompt: str | None = None, seconds: str | None = None, steps: str | None = None,
              samples: str | None = None, guidance: str | None = None, seeds: str | None = None) -> None:
    if prompt is not None:
        page.locator("#prompt textarea").fill(prompt)
    for selector, value in (("#steps input", steps), ("#samples input", samples), ("#guidance input", guidance),
                            ("#seeds textarea, #seeds input", seeds)):
        if value is not None:
            page.locator(selector).first.fill(value)
    if seconds is not None:
        page.locator("#seconds input").fill(seconds)


def generate(page: Page, prompt: str = "two people greet each other by shaking hands.", seconds: str = "2",
             steps: str = "5", **fields) -> None:
    """Fill the form, press Generate and wait until the downloads are ready."""
    before = page.locator("#gen-status").inner_text()
    fill_form(page, prompt=prompt, seconds=seconds, steps=steps, **fields)
    page.locator("#generate-button").click()
    expect(page.locator("#gen-status")).not_to_have_text(before, timeout=TIMEOUT)
    expect(page.locator("#gen-status")).to_contain_text("Downloads ready", timeout=TIMEOUT)


def viewer_frame(page: Page, frame_id: str = "viewer-frame") -> int:
    return int(page.frame_locator(f"#{frame_id}").locator("body").get_attribute("data-frame"))


def wait_for_frame_change(page: Page, frame_id: str = "viewer-frame", seconds: float = 5.0) -> tuple[int, int]:
    first = viewer_frame(page, frame_id)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = viewer_frame(page, frame_id)
        if now != first:
            return first, now
    return first, first


def pixels(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
