"""The Reaction tab: person 1 given (a data-set clip, the last generated sample or an uploaded file),
person 2 generated reacting to it as a text says, both played in the viewer, downloads as on Generate."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import gradio as gr
import numpy as np

from pages.common import (
    COMPUTE,
    EXPIRED,
    LIGHT_LIMIT,
    RESULTS,
    Model,
    Session,
    download_buttons,
    escape,
    message,
    unexpected,
)
from pages.session_store import SessionStore
from t2i_core.checkpoint import CheckpointError, read_config
from t2i_core.data.browse import load_clip_features, looks_like_interhuman
from t2i_core.data.clips import ClipError
from t2i_core.data.layout import DataFolderError
from t2i_core.inputs import APP_STEPS_RANGE, GUIDANCE_RANGE, InputError, parse_request
from t2i_core.memory import release_freed_memory
from t2i_core.models.registry import INTERACTOR
from t2i_core.motion.features import MIN_CLIP_FRAMES
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, GenerationResult
from t2i_core.render.export import ExportedFiles, export_sample, file_stem, reproduction_settings
from t2i_core.render.importing import MotionFileError, read_person_motion_file
from t2i_core.render.playback import playback_data
from t2i_core.render.viewer import placeholder_html, viewer_html, viewer_iframe
from t2i_core.roots import DataRoots

VIEWER_HEIGHT = 480
DATASET, GENERATED, UPLOAD = "A clip of a data set folder", "Person 1 of my last generated sample", "An uploaded file"


@dataclass
class Reaction:
    """This visitor's last reaction (lives in the session store, ``REACTION``)."""

    result: GenerationResult | None = None
    source: str = ""
    count: int = 0
    exports: dict[int, ExportedFiles] = field(default_factory=dict)
    expired: bool = False   # the store dropped this visitor's earlier results


REACTION = ("reaction", Reaction)


def reaction_method(model: Model) -> str:
    """"trained" when the checkpoint was trained with reaction samples, else "inpaint" (works with any)."""
    try:
        training = read_config(model.checkpoint, INTERACTOR.name).get("training") or {}
    except (CheckpointError, OSError, ValueError):
        return "inpaint"
    return "trained" if float(training.get("reaction_prob", 0) or 0) > 0 else "inpaint"


def person1_from(roots: DataRoots, session: Session, source, folder, clip, upload,
                 limit: int) -> tuple[np.ndarray, str, list[str]]:
    """Person 1's features (at most ``limit`` frames, 262), a label and notes; ValueError (or its kinds)
    with a visitor-facing text. An upload is cropped by its header, before it is parsed."""
    if source == GENERATED:
        if session.result is None:
            if session.expired:
                raise ValueError(EXPIRED.removesuffix("."))
            raise ValueError("no generated sample yet: generate one on the Generate page first")
        label = f"person 1 of “{escape(session.result.prompt)}” (seed {session.seed})"
        features = session.result.features[session.sample][0]
    elif source == UPLOAD:
        if not upload:
            raise ValueError("no file uploaded: upload an .npz or a .bvh")
        path = Path(upload if isinstance(upload, str) else getattr(upload, "name", ""))
        motion = read_person_motion_file(path, max_frames=limit)
        notes = [f"the file holds {motion.frames_in_file:,} frames: person 1 cropped to its first {limit} (the "
                 f"model's longest), read without parsing the rest"] if motion.cropped else []
        return motion.features, f"person 1 of the uploaded {escape(path.suffix.lower())} file", notes
    else:
        features, caption = load_clip_features(roots, folder, str(clip or "").strip())
        features = features[0]
        label = f"person 1 of clip {escape(clip)}" + (f" (“{escape(caption)}”)" if caption else "")
    notes = []
    if features.shape[0] > limit:
        notes.append(f"person 1 cropped to its first {limit} frames (the model's longest)")
        features = features[:limit]
    return features, label, notes


def _viewer(result: GenerationResult | None) -> str:
    if result is None:
        return viewer_iframe(placeholder_html("Pick person 1, describe the reaction and press Generate reaction."),
                             VIEWER_HEIGHT, "reaction-viewer-frame")
    data = playback_data(result.joints[0], result.fps, f"{result.prompt[:80]}  (seed {result.seeds[0]})",
                         names=("Person 1 (given)", "Person 2 (generated)"))
    name = file_stem(result.prompt, result.seeds[0])
    return viewer_iframe(viewer_html(data, viewer_id="reaction", download_name=f"{name}_reaction"), VIEWER_HEIGHT,
                         "reaction-viewer-frame")


def react(model: Model, roots: DataRoots, session: Session, state: Reaction, source, folder, clip, upload, prompt,
          seed, guidance, steps, progress=gr.Progress()):  # noqa: B008 (Gradio injects it)
    """Outputs: status, viewer, then the four download buttons (cleared). ``state`` gets the new reaction."""
    keep = [gr.skip()] * 5
    if not model.ready:
        return message("error", "Cannot generate: no model is loaded (see the Generate page)."), *keep
    try:
        request = parse_request(prompt, 5, seed, 1, guidance, steps)
    except InputError as error:
        return message("error", f"Cannot generate: {escape(error)}."), *keep
    limit = model.max_frames
    try:
        person1, label, notes = person1_from(roots, session, source, folder, clip, upload, limit)
    except (MotionFileError, DataFolderError, ClipError, ValueError) as error:  # OutsideRootsError included
        gr.Warning(str(error))
        return message("error", f"Cannot use person 1: {escape(error)}."), *keep
    if person1.shape[0] < MIN_CLIP_FRAMES:
        return message("error", f"Cannot use person 1: the motion has {person1.shape[0]} frames; at least "
                                       f"{MIN_CLIP_FRAMES} are needed."), *keep
    method = reaction_method(model)
    try:
        started = time.perf_counter()

        def on_step(step: int, total: int) -> None:
            progress(step / total, desc=f"Denoising: step {step} of {total}")

        result = model.run("react", person1, request.prompt, seed=request.seeds[0],
                           guidance_scale=request.guidance_scale, steps=request.steps, method=method,
                           callback=on_step)
    except ValueError as error:
        return message("error", f"Cannot generate: {escape(error)}."), *keep
    except Exception as error:
        raise unexpected(error, "Reaction generation") from error
    state.result, state.source, state.count, state.exports, state.expired = result, label, state.count + 1, {}, False
    release_freed_memory()  # the sampler's memory goes back to the system
    text = (f"#{state.count}: person 2 generated for {label} ({result.joints.shape[2]} frames, seed "
            f"{result.seeds[0]}, {request.steps} steps, method “{method}”) in {time.perf_counter() - started:.1f} s. "
            f"Preparing the downloads…")
    status = message("ok", text) + (message("warn", escape("; ".join(notes))) if notes else "")
    return status, _viewer(result), *[gr.update(value=None, interactive=False)] * 4


def prepare_downloads(model: Model, session: Session, state: Reaction, status: str):
    """Outputs: status, the four download buttons."""
    if state.result is None:
        return (message("warn", EXPIRED) if state.expired else gr.skip()), *[gr.skip()] * 4
    try:
        files = state.exports.get(0)
        if files is None:
            result = state.result
            settings = reproduction_settings(result.settings, result.seeds[0], model.public_name)
            settings.pop("command", None)  # the command line regenerates a pair, not this reaction
            settings["person1"] = state.source
            folder = session.ensure_folder() / f"reaction-{state.count}"
            files = export_sample(folder, result.joints[0], result.features[0], result.prompt, result.seeds[0],
                                  settings, result.fps)
            state.exports[0] = files
    except Exception as error:
        raise unexpected(error, "Writing the downloads") from error
    status = (status or "").replace("Preparing the downloads…", "Downloads ready.")
    return status, *[gr.update(value=str(p), interactive=True) for p in files.all()]


def build(model: Model, sessions: SessionStore, roots: DataRoots) -> None:
    """Add the Reaction tab to the enclosing ``gr.Blocks``; data-set clips come only from ``roots``."""
    with gr.Tab("Reaction", id="reaction") as tab:
        gr.Markdown("Give person 1's motion and describe how person 2 reacts: person 2 is generated around it.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=320):
                source = gr.Radio([DATASET, GENERATED, UPLOAD], value=UPLOAD, label="Person 1",
                                  elem_id="reaction-source")
                with gr.Group(visible=False) as clip_group:
                    folder = gr.Dropdown(roots.folders(accept=looks_like_interhuman), value=None,
                                         allow_custom_value=True, elem_id="reaction-folder",
                                         label="Data set folder (inside the server's data roots)")
                    clip = gr.Textbox(label="Clip id", elem_id="reaction-clip")
                upload = gr.File(label="Motion file (.npz from the Generate page, or .bvh)",
                                 file_types=[".npz", ".bvh"], elem_id="reaction-upload")
                prompt = gr.Textbox(label="How does person 2 react?", lines=2, elem_id="reaction-prompt",
                                    placeholder="e.g. the other person steps back and raises both hands.")
                with gr.Row():
                    seed = gr.Textbox(value="0", label="Seed", elem_id="reaction-seed")
                    guidance = gr.Number(value=DEFAULT_GUIDANCE, elem_id="reaction-guidance",
                                         label=f"Guidance ({GUIDANCE_RANGE[0]:g}-{GUIDANCE_RANGE[1]:g})")
                    steps = gr.Number(value=DEFAULT_STEPS, elem_id="reaction-steps",
                                      label=f"DDIM steps ({APP_STEPS_RANGE[0]}-{APP_STEPS_RANGE[1]})")
                run = gr.Button("Generate reaction", variant="primary", elem_id="reaction-button")
                status = gr.Markdown(message("info", "Ready." if model.ready else "No model loaded."),
                                     elem_id="reaction-status")
            with gr.Column(scale=3, min_width=420):
                viewer = gr.HTML(_viewer(None), elem_id="reaction-viewer", padding=False)
                npz, bvh1, bvh2, settings = download_buttons("reaction")
        downloads = [npz, bvh1, bvh2, settings]
        source.input(lambda s: (gr.update(visible=s == DATASET), gr.update(visible=s == UPLOAD)), inputs=[source],
                     outputs=[clip_group, upload], show_progress="hidden", api_name="reaction_source",
                     api_visibility="undocumented")
        tab.select(lambda: gr.update(choices=roots.folders(accept=looks_like_interhuman)), outputs=[folder],
                   show_progress="hidden", api_name="reaction_folders")
        run.click(sessions.bind(partial(react, model, roots), RESULTS, REACTION, new_result=True),
                  inputs=[source, folder, clip, upload, prompt, seed, guidance, steps],
                  outputs=[status, viewer, *downloads], concurrency_id=COMPUTE, concurrency_limit=1,
                  show_progress_on=[status], trigger_mode="once", api_name="react").then(
            sessions.bind(partial(prepare_downloads, model), RESULTS, REACTION, delivers=True), inputs=[status],
            outputs=[status, *downloads],
            concurrency_limit=LIGHT_LIMIT, show_progress="hidden", api_name="react_downloads")
