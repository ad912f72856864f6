"""The About tab describes every tab of the app, not only the first ones."""

from __future__ import annotations

import gradio as gr

from app import build_app
from pages.about import ABOUT
from pages.common import load_model
from pages.study import open_study


def test_the_about_text_names_every_tab(tmp_path):
    demo = build_app(load_model(tmp_path / "no-model"), study_server=open_study(db_path=tmp_path / "votes.sqlite"))
    tabs = [block.label for block in demo.blocks.values() if isinstance(block, gr.Tab)]
    assert len(tabs) >= 7 and "About" in tabs
    for label in tabs:
        if label != "About":
            assert f"**{label}**" in ABOUT, label
