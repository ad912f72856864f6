"""The landing tab: what the project is and what is available in this build."""

from __future__ import annotations

import gradio as gr

ABOUT = """
# Text2Interact

Text-driven generation of **two people interacting in 3D**: type
*"one person pulls a rope, the other is dragged forward"* and get both bodies moving together.
This is an open implementation of the ICLR 2026 paper *Text2Interact*
(InterActor: word-level conditioned two-person diffusion; InterCompose: synthetic interaction data).

The tabs:

- **Generate** makes the motion from a description and plays it in 3D, with downloads (npz, BVH per
  person, settings) and an MP4 on request.
- **Attention** shows which words each person's frames attend to, and how each person attends to the other.
- **Interaction weights** shows the adaptive interaction loss weights 1/(d + ε) of a motion: which
  joints of one person are close to which of the other's.
- **Reaction** keeps person 1 (a data-set clip, the last sample or an uploaded file) and generates how
  person 2 reacts.
- **Scene** tells a story in several prompts (up to 60 s): each segment continues where the last one
  stopped, and a segment or a window can be regenerated, for both persons or one, keeping the rest.
- **Data set** explores an InterCompose output: its synthetic candidates on a map with the real clips,
  the filter's thresholds live, any clip played, and the kept set exported.
- **User study** runs blind A/B trials of two systems for raters, and shows the results to the operator.

Everything runs on this machine: nothing is fetched from the internet.
"""


def build() -> None:
    """Add the About tab to the enclosing ``gr.Blocks``."""
    with gr.Tab("About"):
        gr.Markdown(ABOUT, elem_id="about-text")
