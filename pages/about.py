"""The landing tab: what the project is and what is available in this build."""

from __future__ import annotations

import gradio as gr

ABOUT = """
# Text2Interact

Text-driven generation of **two people interacting in 3D**: type
*"one person pulls a rope, the other is dragged forward"* and get both bodies moving together.
This is an open implementation of the ICLR 2026 paper *Text2Interact*
(InterActor: word-level conditioned two-person diffusion; InterCompose: synthetic interaction data).

The motion format, the InterHuman reader and the normalisation statistics are in place;
generation, attention maps, interaction weights and the synthetic-data browser follow as tabs.
"""


def build() -> None:
    """Add the About tab to the enclosing ``gr.Blocks``."""
    with gr.Tab("About"):
        gr.Markdown(ABOUT, elem_id="about-text")
