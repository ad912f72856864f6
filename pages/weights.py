"""The Interaction weights tab: the adaptive interaction loss weights 1/(d + eps) of a motion."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import gradio as gr
import numpy as np

from pages.common import EXPIRED, LIGHT_LIMIT, RESULTS, Session, escape, message, unexpected
from pages.session_store import SessionStore
from t2i_core.data.browse import clip_ids, load_clip, looks_like_interhuman
from t2i_core.data.clips import ClipError
from t2i_core.data.layout import SPLITS, DataFolderError
from t2i_core.render.figures import empty_figure, pair_3d_figure, pair_timeline_figure, weights_heatmap_figure
from t2i_core.render.interaction import interaction_weights, strongest_over_clip, top_pairs
from t2i_core.roots import DataRoots

GENERATED, DATASET = "The last generated sample", "A clip of a data set folder"
NORMALIZATIONS = [("none: w = 1/(d + ε)", "none"), ("mean: w / mean(w), as in training", "mean")]
TIMELINE_PAIRS = 6


@dataclass
class Motion:
    """The motion this visitor's weights tab shows."""

    joints: np.ndarray  # (2, T, 22, 3)
    label: str
    key: str            # what it came from, to notice a change


def _generated(session: Session) -> Motion | None:
    if session.result is None:
        return None
    # a copy: this page's gr.State must not keep the whole result (every sample) alive
    return Motion(session.joints.copy(), f"generated sample {session.sample + 1} (seed {session.seed}) of "
                                  f"“{session.result.prompt}”", f"gen-{session.generation}-{session.sample}")


def _figures(motion: Motion, frame: int, eps: float, k: int, normalization: str):
    weights = interaction_weights(motion.joints, eps=eps, normalization=normalization)
    frame = max(0, min(int(frame), weights.shape[0] - 1))
    heat = weights_heatmap_figure(weights[frame], frame, eps, zmax=float(weights.max()))
    timeline = pair_timeline_figure(weights, strongest_over_clip(weights, TIMELINE_PAIRS), frame)
    view = pair_3d_figure(motion.joints, frame, top_pairs(weights[frame], k))
    return heat, timeline, view


def _blank(text: str):
    return empty_figure(text, 560), empty_figure(text, 380), empty_figure(text, 560)


def _check_numbers(eps, k) -> tuple[float, int]:
    eps, k = float(eps), int(k)
    if not 0 < eps <= 10:
        raise ValueError(f"ε must be above 0 and at most 10, got {eps:g}")
    if not 1 <= k <= 484:
        raise ValueError(f"top-k must be between 1 and 484, got {k}")
    return eps, k


def show(session: Session, motion: Motion | None, source, frame, eps, k, normalization):
    """Outputs: motion, info, frame slider, heatmap, timeline, 3D view."""
    if source == GENERATED:
        motion = _generated(session)
        if motion is None:
            return None, message("warn", EXPIRED) if session.expired else message(
                "info", "Generate a motion first, or pick a clip of a data set folder."), \
                gr.skip(), *_blank("No motion yet.")
    elif motion is None or not motion.key.startswith("clip-"):
        return motion, message("info", "Pick a data set folder, load its clips and pick one."), gr.skip(), \
            *_blank("No clip loaded yet.")
    try:
        eps, k = _check_numbers(eps, k)
    except (TypeError, ValueError) as error:
        gr.Warning(str(error))
        return motion, message("error", escape(error)), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    frames = motion.joints.shape[1]
    frame = max(0, min(int(frame or 0), frames - 1))
    try:
        figures = _figures(motion, frame, eps, k, normalization or "none")
    except Exception as error:
        raise unexpected(error, "Computing the interaction weights") from error
    info = message("info", f"{escape(motion.label)} · {frames} frames · weights from "
                           f"<code>t2i_core.losses.adaptive_interaction_weights</code>")
    return motion, info, gr.update(maximum=frames - 1, value=frame), *figures


def folder_choices(roots: DataRoots):
    """The InterHuman-layout folders of the data roots, by root-relative name (re-read: roots may change)."""
    return gr.update(choices=roots.folders(accept=looks_like_interhuman))


def list_clips(roots: DataRoots, folder, split):
    """Outputs: clip dropdown, info. ``folder`` is a root-relative name; anything else gets REFUSED."""
    try:
        ids = clip_ids(roots, folder, split)
    except (DataFolderError, ValueError) as error:  # OutsideRootsError is a ValueError
        gr.Warning(str(error))
        return gr.update(choices=[], value=None), message("error", f"Cannot read the folder: {escape(error)}")
    return gr.update(choices=ids, value=ids[0]), message("info", f"{len(ids)} clips in split “{split}”.")


def pick_clip(roots: DataRoots, session: Session, folder, clip, frame, eps, k, normalization):
    """Load one clip of the folder, then show it. Outputs as ``show``."""
    if not clip:
        # Leave the info line alone: it may hold list_clips' error, which cleared this dropdown.
        return None, gr.skip(), gr.skip(), *_blank("No clip loaded yet.")
    try:
        joints, caption = load_clip(roots, folder, clip)
    except (DataFolderError, ClipError, ValueError) as error:  # messages name no server path
        gr.Warning(str(error))
        return None, message("error", f"Cannot load clip {escape(clip)}: {escape(error)}"), gr.skip(), \
            *_blank("No clip loaded.")
    motion = Motion(joints, f"clip {clip}: “{caption}”" if caption else f"clip {clip}", f"clip-{folder}-{clip}")
    return show(session, motion, DATASET, 0, eps, k, normalization)


def build(sessions: SessionStore, roots: DataRoots) -> None:
    """Add the Interaction weights tab to the enclosing ``gr.Blocks``; clips come only from ``roots``."""
    with gr.Tab("Interaction weights", id="weights") as tab:
        motion = gr.State(None)
        gr.Markdown("The adaptive interaction loss weighs each joint pair (i of person 1, j of person 2) by "
                    "w = 1/(d + ε): the closer two joints are, the more their distance error counts in training.")
        with gr.Row():
            source = gr.Radio([GENERATED, DATASET], value=GENERATED, label="Motion", elem_id="weights-source")
        with gr.Row(visible=False, equal_height=True) as folder_row:
            # A choice among the roots' folders; a typed name is accepted only when it is root-relative.
            folder = gr.Dropdown(roots.folders(accept=looks_like_interhuman), value=None, allow_custom_value=True,
                                 label="Data set folder (InterHuman layout, inside the server's data roots)",
                                 elem_id="weights-folder", scale=4)
            split = gr.Dropdown(list(SPLITS), value="test", label="Split", elem_id="weights-split", scale=1)
            load = gr.Button("Load clips", elem_id="weights-load", scale=1)
            # A typed id is checked by pick_clip (as the Reaction page's clip box is), not by Gradio's choices.
            clip = gr.Dropdown([], label="Clip", elem_id="weights-clip", scale=2, allow_custom_value=True)
        info = gr.Markdown(message("info", "Generate a motion first, or pick a clip of a data set folder."),
                           elem_id="weights-info")
        with gr.Row():
            frame = gr.Slider(0, 1, value=0, step=1, label="Frame", elem_id="weights-frame", scale=3)
            eps = gr.Slider(0.01, 1.0, value=0.1, step=0.01, label="ε (eps)", elem_id="weights-eps")
            k = gr.Slider(1, 30, value=8, step=1, label="Top-k pairs in 3D", elem_id="weights-k")
            normalization = gr.Radio(NORMALIZATIONS, value="none", label="Normalisation", elem_id="weights-norm")
        with gr.Row(equal_height=False):
            heat = gr.Plot(label="22 × 22 joint-pair weights", elem_id="weights-heatmap")
            view = gr.Plot(label="Top-k pairs in 3D", elem_id="weights-3d")
        timeline = gr.Plot(label="Strongest pairs over time", elem_id="weights-timeline")

        outputs = [motion, info, frame, heat, timeline, view]
        controls = [motion, source, frame, eps, k, normalization]
        show_event = sessions.bind(show, RESULTS)
        tab.select(show_event, inputs=controls, outputs=outputs, concurrency_limit=LIGHT_LIMIT, api_name="weights")
        source.input(lambda s: gr.update(visible=s == DATASET), inputs=[source], outputs=[folder_row],
                     show_progress="hidden", api_name="weights_source", api_visibility="undocumented").then(
            show_event, inputs=controls, outputs=outputs, concurrency_limit=LIGHT_LIMIT, api_name="weights_source_show",
            api_visibility="undocumented")
        source.input(partial(folder_choices, roots), outputs=[folder], concurrency_limit=LIGHT_LIMIT,
                     show_progress="hidden", api_name="weights_folders")
        for control, name in ((frame, "weights_frame"), (eps, "weights_eps"), (k, "weights_k")):
            # dragging or typing: the latest value wins, none piles up
            control.input(show_event, inputs=controls, outputs=outputs, concurrency_limit=LIGHT_LIMIT,
                          show_progress="hidden", trigger_mode="always_last", api_name=name)
        normalization.input(show_event, inputs=controls, outputs=outputs, concurrency_limit=LIGHT_LIMIT,
                            api_name="weights_normalization")
        for picked, name, visibility in ((load.click, "list_clips", "public"),
                                         (folder.select, "list_clips_on_select", "undocumented")):
            picked(partial(list_clips, roots), inputs=[folder, split], outputs=[clip, info],
                   concurrency_limit=LIGHT_LIMIT, api_name=name, api_visibility=visibility)
        clip.change(sessions.bind(partial(pick_clip, roots), RESULTS),
                    inputs=[folder, clip, frame, eps, k, normalization],
                    outputs=outputs, concurrency_limit=LIGHT_LIMIT, api_name="weights_clip")
