"""The Scene tab: a story told in several prompts, played as one motion, and edited in place.

Segments (prompt + length) are added, removed and reordered in up to ``ROWS`` rows; Generate makes the
whole scene (``t2i_core.editing.generate_scene``), each segment continuing the last. The viewer plays it
with the segment boundaries marked on its scrub bar and the shown segment's prompt over the stage. A
segment, or any window of seconds, can then be regenerated (both persons, or one while the other is
kept) with the frames outside it unchanged. The window is picked from the segment list, typed in seconds,
or selected on the viewer's bar (dragged on the lane under it, or a click for a segment): the viewer posts
it to the page (``HEAD``), which hands it to a hidden box, whose handler sets the same window fields the
Regenerate button reads; the fields' window is shaded on the bar. The downloads are the whole scene (npz,
one BVH per person, settings JSON), and the viewer's ⏺ Video records it in the browser as on Generate.
Each visitor's scene lives in the tab's own ``gr.State``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import gradio as gr

from pages.common import (
    BROWSER_VIDEO_HINT,
    COMPUTE,
    EXPIRED,
    LIGHT_LIMIT,
    SESSION_ROOT,
    Model,
    download_buttons,
    escape,
    message,
    unexpected,
)
from pages.session_store import SessionStore
from t2i_core.editing import EditError, check_window
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_PHYSICS, DEFAULT_STEPS, FPS, SECONDS_RANGE
from t2i_core.render.export import ExportedFiles
from t2i_core.render.playback import playback_data
from t2i_core.render.viewer import placeholder_html, viewer_html, viewer_iframe
from t2i_core.scene import MAX_SCENE_SECONDS, SceneError, SceneMotion, export_scene, parse_scene, scene_file_stem

ROWS = 10  # segment rows on the page (10 x 10 s covers the 60-s limit)
VIEWER_HEIGHT = 520
STORY = [("two people walk towards each other and shake hands.", 4.0),
         ("one person pushes the other on the shoulder, and the other stumbles backwards.", 4.0),
         ("the two people hug each other warmly.", 4.0)]
WHOLE = "both persons"
WHO = {WHOLE: None, "person 1 only (person 2 kept)": 0, "person 2 only (person 1 kept)": 1}
VIEWER_ID = "scene"  # the viewer's id in its messages to the page
FRAME_ID = "scene-viewer-frame"
WINDOW_BOX_ID = "scene-window"

# A window selected on the scene viewer's bar goes to the hidden box (frames "start stop|nonce"), whose
# change event asks the server for the window fields. Only the scene viewer's own messages count.
HEAD = f"""<script>
(() => {{
  let nonce = 0;
  window.addEventListener('message', (event) => {{
    const m = event.data || {{}};
    const frame = document.getElementById('{FRAME_ID}');
    if (m.type !== 't2i-window' || m.viewer !== '{VIEWER_ID}' || !frame || event.source !== frame.contentWindow) return;
    const box = document.querySelector('#{WINDOW_BOX_ID} textarea, #{WINDOW_BOX_ID} input');
    if (!box) return;
    box.value = `${{Math.round(m.start)}} ${{Math.round(m.stop)}}|${{++nonce}}`;
    box.dispatchEvent(new Event('input', {{bubbles: true}}));
  }});
}})();
</script>"""
# The window fields' window, shaded on the viewer's bar whenever they change (typed, picked or dragged).
SHOW_WINDOW_JS = f"""(start, stop) => {{
  const frame = document.getElementById('{FRAME_ID}');
  const message = {{type: 't2i-select', seconds: [start, stop]}};
  if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, '*');
}}"""


@dataclass
class SceneSession:
    """One visitor's scene; lives in the session store (``SCENE``), its files removed with it."""

    motion: SceneMotion | None = None
    window: tuple[int, int] | None = None  # the last edited window, shaded in the viewer
    version: int = 0
    folder: Path | None = None
    exports: ExportedFiles | None = None
    log: list[str] = field(default_factory=list)
    expired: bool = False   # the store dropped this visitor's earlier scene

    def version_folder(self) -> Path:
        if self.folder is None or not self.folder.is_dir():
            SESSION_ROOT.mkdir(parents=True, exist_ok=True)
            # "s-": the sweep of dropped sessions' folders (pages.common) removes these too
            self.folder = Path(tempfile.mkdtemp(prefix="s-scene-", dir=SESSION_ROOT))
        return self.folder / f"v{self.version}"

    def cleanup(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


SCENE = ("scene", SceneSession)


# -- segment rows ------------------------------------------------------------------------------
def row_updates(prompts: list, seconds: list, count: int) -> list:
    """Outputs for the rows: prompts, lengths, row visibility, then the count."""
    return ([gr.update(value=p) for p in prompts] + [gr.update(value=s) for s in seconds]
            + [gr.update(visible=i < count) for i in range(ROWS)] + [count])


def edit_rows(action: str, row: int, count, *values):
    """Add a row, or remove / move up / move down row ``row``; the rest keep their text."""
    prompts, seconds, count = list(values[:ROWS]), list(values[ROWS:]), int(count)
    if action == "add":
        if count >= ROWS:
            gr.Warning(f"at most {ROWS} segments on this page")
        else:
            prompts[count], seconds[count], count = "", 4, count + 1
    elif action == "remove":
        if count <= 1:
            gr.Warning("a scene needs at least one segment")
        else:
            del prompts[row], seconds[row]
            prompts.append(""), seconds.append(4)
            count -= 1
    elif action in ("up", "down"):
        other = row - 1 if action == "up" else row + 1
        if 0 <= other < count:
            prompts[row], prompts[other] = prompts[other], prompts[row]
            seconds[row], seconds[other] = seconds[other], seconds[row]
    return row_updates(prompts, seconds, count)


def scene_from_rows(count: int, values, seed, guidance, steps, physics):
    prompts, seconds = values[:ROWS], values[ROWS:]
    segments = [{"prompt": p or "", "seconds": s} for p, s in zip(prompts[:int(count)], seconds[:int(count)])]
    for i, segment in enumerate(segments):
        if segment["seconds"] is None:
            raise SceneError(f"segment {i + 1} has no length: give {SECONDS_RANGE[0]:g} to {SECONDS_RANGE[1]:g} s")
    try:
        seed, steps = int(seed), int(steps)
    except (TypeError, ValueError):
        raise SceneError("seed and steps must be whole numbers") from None
    return parse_scene({"segments": segments, "seed": seed, "guidance": guidance, "steps": steps,
                        "physics": bool(physics)})


# -- viewer ------------------------------------------------------------------------------------
def _viewer(session: SceneSession, selection: tuple[int, int] | None = None) -> str:
    """The viewer of the session's scene, ``selection`` (frames) shaded as the window to edit."""
    motion = session.motion
    if motion is None:
        return viewer_iframe(placeholder_html("Write the segments of a story and press Generate scene: the whole "
                                              "scene will play here."), VIEWER_HEIGHT, FRAME_ID)
    data = playback_data(motion.joints, motion.fps, f"Scene of {len(motion.segments)} segments, "
                                                    f"{motion.frames / motion.fps:g} s")
    data["segments"] = motion.segment_table()
    if session.window is not None:
        data["window"] = list(session.window)
    if selection is not None:
        data["selection"] = list(selection)
    return viewer_iframe(viewer_html(data, viewer_id=VIEWER_ID, download_name=scene_file_stem(motion)),
                         VIEWER_HEIGHT, FRAME_ID)


def segment_choices(session: SceneSession) -> list[tuple[str, int]]:
    if session.motion is None:
        return []
    return [(f"{i + 1}: {s.prompt[:60]} ({a / FPS:g}-{b / FPS:g} s)", i)
            for i, (s, (a, b)) in enumerate(zip(session.motion.segments, session.motion.frame_ranges()))]


def _edit_controls(session: SceneSession, index: int | None = 1):
    """The segment picker, window and prompt set to segment ``index`` (the middle one by default)."""
    motion = session.motion
    index = max(0, min(index if index is not None else 0, len(motion.segments) - 1))
    a, b = motion.frame_ranges()[index]
    return (gr.update(choices=segment_choices(session), value=index), a / FPS, b / FPS,
            motion.segments[index].prompt)


# -- events ------------------------------------------------------------------------------------
def generate(model: Model, session: SceneSession, count, *rest, progress=gr.Progress()):  # noqa: B008
    """Outputs: status, viewer, segment picker, window start, window stop, edit prompt, 4 downloads."""
    values, (seed, guidance, steps, physics) = rest[:2 * ROWS], rest[2 * ROWS:]
    keep = [gr.skip()] * 9
    if not model.ready:
        return message("error", "Cannot generate: no model is loaded (see the Generate tab)."), *keep
    try:
        scene = scene_from_rows(count, values, seed, guidance, steps, physics)
    except SceneError as error:
        gr.Warning(str(error))
        return message("error", f"Cannot generate the scene: {escape(error)}."), *keep
    try:
        started = time.perf_counter()
        total = len(scene.segments)

        def on_step(segment: int, step: int, steps_all: int) -> None:
            progress((segment + step / steps_all) / total,
                     desc=f"Segment {segment + 1} of {total}: step {step} of {steps_all}")

        motion = model.run("scene", scene, callback=on_step)
        elapsed = time.perf_counter() - started
    except ValueError as error:
        gr.Warning(str(error))
        return message("error", f"Cannot generate the scene: {escape(error)}."), *keep
    except Exception as error:
        raise unexpected(error, "Scene generation") from error
    motion = replace(motion, settings={**motion.settings, "checkpoint": model.public_name})  # no server path
    session.motion, session.window, session.exports, session.expired = motion, None, None, False
    session.version += 1
    status = message("ok", escape(f"#{session.version}: generated a scene of {total} segments, "
                                  f"{scene.seconds:g} s ({motion.frames} frames) with seed {scene.seed} in "
                                  f"{elapsed:.1f} s. Preparing the downloads…"))
    cleared = [gr.update(value=None, interactive=False)] * 4
    index = 1 if total > 1 else 0
    return status, _viewer(session, motion.frame_ranges()[index]), *_edit_controls(session, index), *cleared


def pick_segment(session: SceneSession, index):
    if session.motion is None or index is None:
        return gr.skip(), gr.skip(), gr.skip()
    _, a, b, prompt = _edit_controls(session, int(index))
    return a, b, prompt


def pick_window(session: SceneSession, text):
    """A window selected on the viewer's bar (``"start stop|nonce"``, frames) -> the segment picker (the
    segment when the window is one, else none), the window fields in seconds and the prompt of the segment
    it is (or of the one at its middle)."""
    keep = [gr.skip()] * 4
    if session.motion is None or not text:
        return keep
    motion = session.motion
    try:
        start, stop = check_window(motion.frames, *str(text).split("|")[0].split())
    except (ValueError, TypeError):  # EditError, or not two numbers: a stale or forged message
        gr.Warning(f"a window on the bar must lie within 0-{motion.frames / FPS:g} s")
        return keep
    ranges = motion.frame_ranges()
    index = ranges.index((start, stop)) if (start, stop) in ranges else None
    prompt = motion.segments[index].prompt if index is not None else motion.segment_at((start + stop) // 2).prompt
    return gr.update(value=index), round(start / FPS, 3), round(stop / FPS, 3), prompt


def edit(model: Model, session: SceneSession, index, start_s, stop_s, prompt, who, seed, guidance, steps, physics,
         progress=gr.Progress()):  # noqa: B008
    """Outputs: status, viewer, segment picker, 4 downloads."""
    keep = [gr.skip()] * 6
    if session.motion is None and session.expired:
        return message("warn", EXPIRED), *keep
    if not model.ready or session.motion is None:
        text = "Generate a scene first; then pick a segment or a window to regenerate."
        return message("info", text), *keep
    motion = session.motion
    try:
        if start_s is None or stop_s is None:
            raise EditError("give the window's start and end in seconds")
        start, stop = round(float(start_s) * FPS), round(float(stop_s) * FPS)
        if not 0 <= start < stop <= motion.frames:
            raise EditError(f"the window {float(start_s):g}-{float(stop_s):g} s lies outside the scene: it must lie "
                            f"within 0-{motion.frames / FPS:g} s and end after it starts")
        person = WHO.get(who)
        try:
            kwargs = {"seed": int(seed), "person": person, "guidance_scale": float(guidance), "steps": int(steps),
                      "physics": bool(physics)}
        except (TypeError, ValueError):
            raise EditError("the seed and the DDIM steps must be whole numbers and the guidance a number") from None

        def on_step(step: int, total: int) -> None:
            progress(step / total, desc=f"Regenerating: step {step} of {total}")

        ranges = motion.frame_ranges()
        started = time.perf_counter()
        if index is not None and 0 <= int(index) < len(ranges) and ranges[int(index)] == (start, stop):
            edited = model.run("regenerate_segment", motion, int(index), prompt, callback=on_step, **kwargs)
            what = f"segment {int(index) + 1}"
        else:
            edited = model.run("regenerate_window", motion, start, stop, (prompt or "").strip() or None,
                                       callback=on_step, **kwargs)
            what = f"{start / FPS:g}-{stop / FPS:g} s"
        elapsed = time.perf_counter() - started
    except ValueError as error:  # EditError, and the pipeline's own input checks
        gr.Warning(str(error))
        return message("error", f"Cannot regenerate: {escape(error)}."), *keep
    except Exception as error:
        raise unexpected(error, "Scene edit") from error
    session.motion, session.window, session.exports = edited, (start, stop), None
    session.version += 1
    whose = "both persons" if person is None else f"person {person + 1} (person {2 - person} kept)"
    status = message("ok", escape(f"#{session.version}: regenerated {what} for {whose} in {elapsed:.1f} s; "
                                  f"every frame outside it is unchanged. Preparing the downloads…"))
    picker = gr.update(choices=segment_choices(session), value=index)
    return status, _viewer(session, (start, stop)), picker, *[gr.update(value=None, interactive=False)] * 4


def prepare_downloads(session: SceneSession, status: str):
    """Outputs: status, the four download buttons."""
    if session.motion is None:
        return (message("warn", EXPIRED) if session.expired else gr.skip()), *[gr.skip()] * 4
    try:
        if session.exports is None:
            session.exports = export_scene(session.version_folder(), session.motion)
    except Exception as error:
        raise unexpected(error, "Writing the scene's downloads") from error
    status = (status or "").replace("Preparing the downloads…", "Downloads ready.")
    return status, *[gr.update(value=str(p), interactive=True) for p in session.exports.all()]


def build(model: Model, sessions: SessionStore) -> None:
    """Add the Scene tab to the enclosing ``gr.Blocks``; each visitor's scene lives in ``sessions``."""
    downloaded = sessions.bind(prepare_downloads, SCENE, delivers=True)
    light = {"concurrency_limit": LIGHT_LIMIT, "show_progress": "hidden"}
    with gr.Tab("Scene", id="scene"):
        gr.Markdown(f"Tell a longer story: up to {ROWS} segments of {SECONDS_RANGE[0]:g}-{SECONDS_RANGE[1]:g} s, "
                    f"{MAX_SCENE_SECONDS:g} s in all. Each segment continues where the last one stopped.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=340):
                rows, prompts, seconds, buttons = [], [], [], []
                for i in range(ROWS):
                    text, length = STORY[i] if i < len(STORY) else ("", 4.0)
                    with gr.Row(visible=i < len(STORY), equal_height=True) as row:
                        prompts.append(gr.Textbox(value=text, label=f"Segment {i + 1}", lines=2, max_lines=4,
                                                  scale=5, elem_id=f"scene-prompt-{i + 1}"))
                        seconds.append(gr.Number(value=length, label="Seconds", step=0.5, scale=1, min_width=80,
                                                 elem_id=f"scene-seconds-{i + 1}"))
                        with gr.Column(scale=0, min_width=44):
                            buttons.append([(action, gr.Button(symbol, size="sm", min_width=40,
                                                               elem_id=f"scene-{action}-{i + 1}"))
                                            for action, symbol in (("up", "↑"), ("down", "↓"), ("remove", "✕"))])
                    rows.append(row)
                count = gr.State(len(STORY))
                add = gr.Button("+ Add segment", size="sm", elem_id="scene-add")
                with gr.Row():
                    seed = gr.Number(value=0, label="Seed", precision=0, elem_id="scene-seed")
                    guidance = gr.Number(value=DEFAULT_GUIDANCE, label="Guidance scale", elem_id="scene-guidance")
                    steps = gr.Number(value=DEFAULT_STEPS, label="DDIM steps", precision=0, elem_id="scene-steps")
                physics = gr.Checkbox(value=DEFAULT_PHYSICS, label="Physical guidance", elem_id="scene-physics")
                run = gr.Button("Generate scene", variant="primary", elem_id="scene-generate-button")
                status = gr.Markdown(message("info", "Ready." if model.ready else "No model loaded."),
                                     elem_id="scene-status")
            with gr.Column(scale=3, min_width=420):
                viewer = gr.HTML(_viewer(SceneSession()), elem_id="scene-viewer", padding=False)
                downloads = download_buttons("scene-download")
                gr.Markdown(BROWSER_VIDEO_HINT, elem_id="scene-video-hint")
                with gr.Group():
                    gr.Markdown("**Regenerate part of the scene** (frames outside the window stay as they are): "
                                "pick a segment, type the window, or drag it on the lane under the viewer's bar")
                    window_box = gr.Textbox(visible="hidden", elem_id=WINDOW_BOX_ID)
                    picker = gr.Dropdown(choices=[], label="Segment", elem_id="scene-edit-segment")
                    with gr.Row():
                        start = gr.Number(label="Window start, s", elem_id="scene-edit-start")
                        stop = gr.Number(label="Window end, s", elem_id="scene-edit-stop")
                        who = gr.Radio(list(WHO), value=WHOLE, label="Regenerate", elem_id="scene-edit-who")
                    with gr.Row(equal_height=True):
                        edit_prompt = gr.Textbox(label="Prompt for the window", lines=2, scale=4,
                                                 elem_id="scene-edit-prompt")
                        edit_seed = gr.Number(value=1, label="Seed", precision=0, scale=1, min_width=80,
                                              elem_id="scene-edit-seed")
                    edit_button = gr.Button("Regenerate", variant="secondary", elem_id="scene-edit-button")

        row_outputs = [*prompts, *seconds, *rows, count]
        add.click(partial(edit_rows, "add", 0), inputs=[count, *prompts, *seconds], outputs=row_outputs,
                  api_name="scene_add_segment", **light)
        for i, row_buttons in enumerate(buttons):
            for action, button in row_buttons:
                button.click(partial(edit_rows, action, i), inputs=[count, *prompts, *seconds], outputs=row_outputs,
                             api_name=f"scene_segment_{i + 1}_{action}", api_visibility="undocumented", **light)
        run.click(sessions.bind(partial(generate, model), SCENE, new_result=True),
                  inputs=[count, *prompts, *seconds, seed, guidance, steps, physics],
                  outputs=[status, viewer, picker, start, stop, edit_prompt, *downloads],
                  api_name="scene_generate", concurrency_id=COMPUTE, concurrency_limit=1, show_progress="full",
                  show_progress_on=[status], trigger_mode="once").then(
            downloaded, inputs=[status], outputs=[status, *downloads], api_name="scene_download", **light)
        picker.input(sessions.bind(pick_segment, SCENE), inputs=[picker], outputs=[start, stop, edit_prompt],
                     api_name="scene_pick_segment", **light)
        window_box.change(sessions.bind(pick_window, SCENE), inputs=[window_box],
                          outputs=[picker, start, stop, edit_prompt], api_name="scene_pick_window",
                          api_visibility="undocumented", trigger_mode="always_last", **light)
        for window_field in (start, stop):
            window_field.change(None, inputs=[start, stop], outputs=None, js=SHOW_WINDOW_JS)
        edit_button.click(sessions.bind(partial(edit, model), SCENE, new_result=True),
                          inputs=[picker, start, stop, edit_prompt, who, edit_seed, guidance, steps, physics],
                          outputs=[status, viewer, picker, *downloads], api_name="scene_edit",
                          concurrency_id=COMPUTE, concurrency_limit=1, show_progress="full",
                          show_progress_on=[status], trigger_mode="once").then(
            downloaded, inputs=[status], outputs=[status, *downloads], api_name="scene_edit_download", **light)
