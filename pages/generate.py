"""The Generate tab: prompt -> two-person motion, 3D playback, downloads and an MP4 on request."""

from __future__ import annotations

import secrets
import time
from functools import partial

import gradio as gr

from pages.common import (
    BROWSER_VIDEO_HINT,
    COMPUTE,
    EXPIRED,
    LIGHT_LIMIT,
    RESULTS,
    SERVER_VIDEO,
    Model,
    Session,
    download_buttons,
    escape,
    message,
    unexpected,
)
from pages.session_store import SessionStore
from t2i_core.inputs import APP_MAX_SAMPLES, APP_STEPS_RANGE, GUIDANCE_RANGE, InputError, parse_request
from t2i_core.memory import release_freed_memory
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_PHYSICS, DEFAULT_STEPS, SECONDS_RANGE
from t2i_core.render.export import export_sample, file_stem, reproduction_settings
from t2i_core.render.playback import playback_data
from t2i_core.render.video import VideoUnavailableError, render_video_isolated
from t2i_core.render.viewer import placeholder_html, viewer_html, viewer_iframe

VIEWER_HEIGHT = 520
EXAMPLES = [
    "one person pulls a rope, the other is dragged forward, and the former wins the tug-of-war.",
    "two people greet each other by shaking hands.",
    "one person pushes the other on the shoulder, and the other stumbles backwards.",
    "the two people hug each other warmly.",
    "one person throws a punch and the other dodges to the left.",
    "two people hold hands and turn around together in a circle.",
    "one person helps the other stand up by pulling their hand.",
    "one person taps the other on the back, and the other turns around.",
]


def _viewer(session: Session) -> str:
    if session.result is None:
        return viewer_iframe(placeholder_html("Type a prompt and press Generate: the two persons will play here."),
                             VIEWER_HEIGHT, "viewer-frame")
    title = session.result.prompt if len(session.result.prompt) <= 90 else session.result.prompt[:87] + "…"
    data = playback_data(session.joints, session.result.fps, f"{title}  (seed {session.seed})")
    return viewer_iframe(viewer_html(data, viewer_id="generate",
                                     download_name=file_stem(session.result.prompt, session.seed)),
                         VIEWER_HEIGHT, "viewer-frame")


def _sample_choices(session: Session) -> list[tuple[str, int]]:
    if session.result is None:
        return []
    return [(f"Sample {i + 1} (seed {s})", i) for i, s in enumerate(session.result.seeds)]


def generate(model: Model, session: Session, prompt, seconds, seeds, samples, guidance, steps, physics=DEFAULT_PHYSICS,
             progress=gr.Progress()):  # noqa: B008 (Gradio injects it)
    """Outputs: status, viewer, sample picker, then the four download buttons (cleared)."""
    keep = [gr.skip()] * 6
    if not model.ready:
        gr.Warning("No model is loaded; see the message at the top of the page.")
        return message("error", "Cannot generate: no model is loaded (see the message at the top)."), *keep
    try:
        request = parse_request(prompt, seconds, seeds, samples, guidance, steps)
    except InputError as error:
        gr.Warning(str(error))
        return message("error", f"Cannot generate: {escape(error)}."), *keep
    try:
        started = time.perf_counter()
        progress(0.0, desc="Encoding the prompt")

        def on_step(step: int, total: int) -> None:
            progress(step / total, desc=f"Denoising: step {step} of {total}")

        result, attention = model.run("generate", request.prompt, seconds=request.seconds, seed=request.seeds,
                                      guidance_scale=request.guidance_scale, steps=request.steps,
                                      callback=on_step, physics=bool(physics))
        elapsed = time.perf_counter() - started
    except ValueError as error:  # the pipeline's own input checks
        gr.Warning(str(error))
        return message("error", f"Cannot generate: {escape(error)}."), *keep
    except Exception as error:
        raise unexpected(error, "Generation") from error

    warnings = request.warnings + result.warnings
    tokens = attention.tokens if attention is not None else []
    unknown = sum(t == "[UNK]" for t in tokens)
    if unknown:
        warnings.append(f"{unknown} of the prompt's {len(tokens) - 2} tokens are unknown to the text encoder "
                        f"([UNK])")
    session.attention = attention  # the model's process keeps the full maps (frames x frames per block and head)
    release_freed_memory()  # the received arrays' memory goes back to the system
    session.result, session.sample, session.exports, session.expired = result, 0, {}, False
    session.generation += 1
    session.checkpoint = model.public_name  # goes into the settings JSON: no server path
    session.seconds_taken = elapsed
    frames = result.joints.shape[2]
    seeds_text = ", ".join(str(s) for s in result.seeds)
    text = (f"#{session.generation}: generated {len(result.seeds)} sample{'s' if len(result.seeds) > 1 else ''} of "
            f"{request.seconds:g} s ({frames} frames) with seed{'s' if len(result.seeds) > 1 else ''} {seeds_text} "
            f"in {elapsed:.1f} s ({request.steps} DDIM steps, guidance {request.guidance_scale:g}). "
            f"Preparing the downloads…")
    status = message("ok", escape(text))
    if warnings:
        for warning in warnings:
            gr.Warning(warning)
        status += message("warn", escape("; ".join(warnings)))
    picker = gr.update(choices=_sample_choices(session), value=0, visible=len(result.seeds) > 1)
    cleared = [gr.update(value=None, interactive=False)] * 4
    return status, _viewer(session), picker, *cleared


def prepare_downloads(session: Session, status: str):
    """Outputs: status, the four download buttons. Write (once per sample) and offer the npz, the two BVHs and
    the settings JSON."""
    if session.result is None:
        return (message("warn", EXPIRED) if session.expired else gr.skip()), *[gr.skip()] * 4
    try:
        files = session.exports.get(session.sample)
        if files is None:
            result, i = session.result, session.sample
            settings = reproduction_settings(result.settings, result.seeds[i], session.checkpoint)
            files = export_sample(session.sample_folder(session.generation, i), result.joints[i],
                                  result.features[i], result.prompt, result.seeds[i], settings, result.fps)
            session.exports[i] = files
    except Exception as error:
        raise unexpected(error, "Writing the downloads") from error
    status = (status or "").replace("Preparing the downloads…", "Downloads ready.")
    buttons = [gr.update(value=str(path), interactive=True) for path in files.all()]
    return status, *buttons


def pick_sample(session: Session, sample):
    """Outputs: viewer, the four download buttons (cleared)."""
    if session.result is None or sample is None:
        if session.expired:
            gr.Warning(EXPIRED)
        return gr.skip(), *[gr.skip()] * 4
    session.sample = max(0, min(int(sample), len(session.result.seeds) - 1))
    return _viewer(session), *[gr.update(value=None, interactive=False)] * 4


def roll_seeds(samples) -> str:
    try:
        count = max(1, min(APP_MAX_SAMPLES, int(samples)))
    except (TypeError, ValueError):
        count = 1
    if count == 1:
        return str(secrets.randbelow(100_000))
    return ", ".join(str(secrets.randbelow(100_000)) for _ in range(count))


def make_video(session: Session, progress=gr.Progress()):  # noqa: B008 (Gradio injects it)
    if session.result is None:
        return gr.skip(), message("warn", EXPIRED) if session.expired else message(
            "info", "Generate a motion first; its video is rendered here.")
    path = session.sample_folder(session.generation, session.sample) / (
        file_stem(session.result.prompt, session.seed) + ".mp4")
    if path.is_file():
        return str(path), message("ok", "Video ready.")
    try:
        started = time.perf_counter()

        def on_frame(done: int, total: int) -> None:
            if done % 5 == 0 or done == total:
                progress(done / total, desc=f"Rendering frame {done} of {total}")

        render_video_isolated(session.joints, path, session.result.fps, progress=on_frame)
    except VideoUnavailableError as error:
        gr.Warning(f"video rendering unavailable: {error}")
        return gr.skip(), message("warn", f"video rendering unavailable: {escape(error)}")
    except Exception as error:
        raise unexpected(error, "Rendering the video") from error
    return str(path), message("ok", f"Video rendered in {time.perf_counter() - started:.1f} s.")


def build(model: Model, sessions: SessionStore) -> None:
    """Add the Generate tab to the enclosing ``gr.Blocks``."""
    with gr.Tab("Generate", id="generate"):
        if not model.ready:
            gr.Markdown(message("error", f"<b>The model is missing.</b> {model.error}"), elem_id="model-missing")
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=320):
                prompt = gr.Textbox(label="Describe the interaction", lines=3, max_lines=8, elem_id="prompt",
                                    placeholder="e.g. two people greet each other by shaking hands.")
                gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[prompt], label="Examples (click to use)",
                            examples_per_page=8)
                with gr.Row():
                    seconds = gr.Number(value=5, label=f"Length, s ({SECONDS_RANGE[0]:g}-{SECONDS_RANGE[1]:g})",
                                        step=0.5, elem_id="seconds")
                    samples = gr.Number(value=1, label=f"Samples (1-{APP_MAX_SAMPLES})", elem_id="samples")
                with gr.Row(equal_height=True):
                    seeds = gr.Textbox(value="0", label="Seeds (one, or a list like 1, 2, 3)", elem_id="seeds",
                                       scale=4)
                    dice = gr.Button("⚄", elem_id="dice-button", scale=0, min_width=56)
                with gr.Row():
                    guidance = gr.Number(value=DEFAULT_GUIDANCE, label=f"Guidance scale ({GUIDANCE_RANGE[0]:g}-"
                                         f"{GUIDANCE_RANGE[1]:g})", elem_id="guidance")
                    steps = gr.Number(value=DEFAULT_STEPS, label=f"DDIM steps ({APP_STEPS_RANGE[0]}-"
                                      f"{APP_STEPS_RANGE[1]})", elem_id="steps")
                physics = gr.Checkbox(value=DEFAULT_PHYSICS, label="Physical guidance (push the bodies apart and "
                                      "out of the floor, keep planted feet still)", elem_id="physics")
                run = gr.Button("Generate", variant="primary", elem_id="generate-button")
                status = gr.Markdown(message("info", "Ready." if model.ready else "No model loaded."),
                                     elem_id="gen-status")
                gr.Markdown(f"**Model:** {model.summary or escape(model.public_name) + ' (not loaded)'}",
                            elem_id="checkpoint-info")
            with gr.Column(scale=3, min_width=420):
                viewer = gr.HTML(_viewer(Session()), elem_id="viewer", padding=False)
                picker = gr.Radio(choices=[], label="Sample shown and downloaded", visible=False,
                                  elem_id="sample-picker")
                npz, bvh1, bvh2, settings = download_buttons("download")
                gr.Markdown(BROWSER_VIDEO_HINT, elem_id="video-hint")
                with gr.Accordion("Video rendered on the server (MP4, slower; its own queue)", open=False):
                    video_button = gr.Button("Render MP4 of the shown sample", elem_id="video-button")
                    video_status = gr.Markdown("", elem_id="video-status")
                    video = gr.Video(label="MP4", elem_id="video", interactive=False)

        downloads = [npz, bvh1, bvh2, settings]
        # Stable API names (README, "API"): generate, downloads, pick_sample, sample_downloads, roll_seeds, video.
        # The visitor's results live in the server's session store (pages.session_store), not in a gr.State.
        generated = sessions.bind(partial(generate, model), RESULTS, new_result=True)
        downloaded = sessions.bind(prepare_downloads, RESULTS, delivers=True)
        inputs = [prompt, seconds, seeds, samples, guidance, steps, physics]
        outputs = [status, viewer, picker, *downloads]
        run.click(generated, inputs=inputs, outputs=outputs, concurrency_id=COMPUTE,
                  concurrency_limit=1, show_progress="full", show_progress_on=[status], trigger_mode="once",
                  api_name="generate").then(
            downloaded, inputs=[status], outputs=[status, *downloads],
            concurrency_limit=LIGHT_LIMIT, show_progress="hidden", api_name="downloads")
        # Enter in the prompt does what the button does; not a second API endpoint.
        prompt.submit(generated, inputs=inputs, outputs=outputs, concurrency_id=COMPUTE,
                      concurrency_limit=1, show_progress="full", show_progress_on=[status], trigger_mode="once",
                      api_name="generate_on_enter", api_visibility="undocumented").then(
            downloaded, inputs=[status], outputs=[status, *downloads],
            concurrency_limit=LIGHT_LIMIT, show_progress="hidden", api_name="downloads_on_enter",
            api_visibility="undocumented")
        picker.input(sessions.bind(pick_sample, RESULTS), inputs=[picker], outputs=[viewer, *downloads],
                     concurrency_limit=LIGHT_LIMIT, show_progress="hidden", api_name="pick_sample").then(
            downloaded, inputs=[status], outputs=[status, *downloads],
            concurrency_limit=LIGHT_LIMIT, show_progress="hidden", api_name="sample_downloads")
        dice.click(roll_seeds, inputs=[samples], outputs=[seeds], concurrency_limit=LIGHT_LIMIT,
                   show_progress="hidden", api_name="roll_seeds")
        # The server's renderer has its own queue: a video never holds the model's slot.
        video_button.click(sessions.bind(make_video, RESULTS), outputs=[video, video_status],
                           concurrency_id=SERVER_VIDEO, concurrency_limit=1, show_progress_on=[video_status],
                           trigger_mode="once", api_name="video")
