"""The Attention tab: word-level and person-to-person attention of the last generated sample."""

from __future__ import annotations

import gradio as gr

from pages.common import EXPIRED, LIGHT_LIMIT, RESULTS, Session, escape, message, unexpected
from pages.session_store import SessionStore
from t2i_core.render.attention import AVERAGE, null_share, select, token_labels, word_importance
from t2i_core.render.figures import (
    empty_figure,
    person_attention_figure,
    word_attention_figure,
    word_importance_figure,
)
from t2i_core.render.playback import playback_data
from t2i_core.render.viewer import placeholder_html, viewer_html, viewer_iframe

VIEWER_HEIGHT = 380
# Seek the attention tab's viewer to the slider's frame right in the browser (no server round trip).
SEEK_VIEWER_JS = """(frame) => {
  const frameEl = document.querySelector('#attention-viewer iframe');
  if (frameEl && frameEl.contentWindow) frameEl.contentWindow.postMessage({type: 't2i-seek', frame: frame}, '*');
  return frame;
}"""


# While the attention tab's viewer plays or is scrubbed, its frame moves the cursor lines of the
# heatmaps and the frame slider's display right in the browser (plotly's own axis mapping, no
# server round trip). Goes into the page's <head> once.
FOLLOW_VIEWER_HEAD = """<script>
(() => {
  function moveLines(plotId, frame) {
    const gd = document.querySelector('#' + plotId + ' .js-plotly-plot');
    if (!gd || !gd._fullLayout || !gd._fullLayout.shapes) return;
    gd.querySelectorAll('.shapelayer path[data-index]').forEach((path) => {
      const shape = gd._fullLayout.shapes[Number(path.getAttribute('data-index'))];
      if (!shape || shape.type !== 'line') return;
      const vertical = shape.x0 === shape.x1;
      const ref = vertical ? shape.xref : shape.yref;
      const axis = gd._fullLayout[(vertical ? 'xaxis' : 'yaxis') + ref.slice(1)];
      const nums = (path.getAttribute('d') || '').match(/-?[0-9.]+(e-?[0-9]+)?/g);
      if (!axis || !axis.l2p || !nums || nums.length < 4) return;
      const at = axis._offset + axis.l2p(frame);
      path.setAttribute('d', vertical ? `M${at},${nums[1]}L${at},${nums[3]}` : `M${nums[0]},${at}L${nums[2]},${at}`);
    });
  }
  window.addEventListener('message', (event) => {
    const m = event.data || {};
    if (m.type !== 't2i-frame' || m.viewer !== 'attention') return;
    for (const id of ['attention-words', 'attention-person']) moveLines(id, m.frame);
    const slider = document.querySelector('#attention-frame-slider');
    if (slider) slider.querySelectorAll('input').forEach((input) => { input.value = m.frame; });
  });
})();
</script>"""


def _choice(value) -> str | int:
    return AVERAGE if value in (None, AVERAGE) else int(value)


def _figures(session: Session, block, head, frame: int):
    attention = session.attention
    labels = token_labels(attention.tokens)
    person = select(attention.person, session.sample, _choice(block), _choice(head))
    person_fig = person_attention_figure(person, frame, attention.person_frames)
    if attention.word is None:
        note = "This checkpoint conditions on the pooled sentence: it has no word-level attention."
        return empty_figure(note), empty_figure(note, 200), person_fig
    word = select(attention.word, session.sample, _choice(block), _choice(head))
    title = f"Word-level cross-attention (words × frames), block {block}, head {head}"
    words_fig = word_attention_figure(word, labels, frame, title)
    bars = word_importance_figure(word_importance(word), labels, word[:, frame], frame, null_share(word))
    return words_fig, bars, person_fig


def refresh(session: Session, shown: int, block, head, frame):
    """Outputs: shown generation, info, block, head, frame slider, viewer, words, bars, person maps."""
    if session.result is None or session.attention is None:
        text = message("warn", EXPIRED) if session.expired else message(
            "info", "Generate a motion on the Generate tab first; its attention maps appear here.")
        blank = empty_figure("No sample yet.")
        viewer = viewer_iframe(placeholder_html("No sample yet."), VIEWER_HEIGHT, "attention-frame")
        return shown, text, gr.skip(), gr.skip(), gr.skip(), viewer, blank, blank, blank
    try:
        attention = session.attention
        blocks, heads = attention.blocks, attention.heads
        block = block if block in (AVERAGE, *(str(b) for b in range(blocks))) else AVERAGE
        head = head if head in (AVERAGE, *(str(h) for h in range(heads))) else AVERAGE
        frames = session.result.joints.shape[2]
        key = session.generation * 100 + session.sample
        frame = 0 if key != shown or frame is None else max(0, min(int(frame), frames - 1))
        figures = _figures(session, block, head, frame)
    except Exception as error:
        raise unexpected(error, "Drawing the attention maps") from error
    words = escape(" ".join(attention.tokens))  # the visitor's text: shown as text, never as markup
    text = message("info", f"Sample {session.sample + 1} (seed {session.seed}) of “{escape(session.result.prompt)}” · "
                           f"{len(attention.tokens)} tokens: <code>{words}</code>")
    viewer = gr.skip()
    if key != shown:
        data = playback_data(session.joints, session.result.fps)
        viewer = viewer_iframe(viewer_html(data, autoplay=False, viewer_id="attention"), VIEWER_HEIGHT,
                               "attention-frame")
    block_update = gr.update(choices=[AVERAGE, *(str(b) for b in range(blocks))], value=block)
    head_update = gr.update(choices=[AVERAGE, *(str(h) for h in range(heads))], value=head)
    slider = gr.update(maximum=frames - 1, value=frame)
    return key, text, block_update, head_update, slider, viewer, *figures


def move_cursor(session: Session, block, head, frame):
    if session.result is None or session.attention is None or frame is None:
        return gr.skip(), gr.skip(), gr.skip()
    try:
        frame = max(0, min(int(frame), session.result.joints.shape[2] - 1))
        return _figures(session, block, head, frame)
    except Exception as error:
        raise unexpected(error, "Drawing the attention maps") from error


def build(sessions: SessionStore) -> None:
    """Add the Attention tab to the enclosing ``gr.Blocks``."""
    with gr.Tab("Attention", id="attention") as tab:
        shown = gr.State(-1)
        info = gr.Markdown(message("info", "Generate a motion first."), elem_id="attention-info")
        with gr.Row():
            block = gr.Dropdown([AVERAGE], value=AVERAGE, label="Block (0 = first)", elem_id="attention-block")
            head = gr.Dropdown([AVERAGE], value=AVERAGE, label="Head", elem_id="attention-head")
            frame = gr.Slider(0, 1, value=0, step=1, label="Frame (the cursor and the viewer follow it)",
                              elem_id="attention-frame-slider", scale=3)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                words = gr.Plot(label="Words × frames", elem_id="attention-words")
            with gr.Column(scale=2):
                viewer = gr.HTML(viewer_iframe(placeholder_html("No sample yet."), VIEWER_HEIGHT, "attention-frame"),
                                 elem_id="attention-viewer", padding=False)
                bars = gr.Plot(label="Per-word importance", elem_id="attention-bars")
        person = gr.Plot(label="Person-to-person attention", elem_id="attention-person")

        outputs = [shown, info, block, head, frame, viewer, words, bars, person]
        cursor = sessions.bind(move_cursor, RESULTS)
        tab.select(sessions.bind(refresh, RESULTS), inputs=[shown, block, head, frame], outputs=outputs,
                   concurrency_limit=LIGHT_LIMIT, api_name="attention")
        for selector, name in ((block, "attention_block"), (head, "attention_head")):
            selector.input(cursor, inputs=[block, head, frame], outputs=[words, bars, person],
                           concurrency_limit=LIGHT_LIMIT, api_name=name)
        frame.change(None, inputs=[frame], outputs=None, js=SEEK_VIEWER_JS)
        frame.input(cursor, inputs=[block, head, frame], outputs=[words, bars, person],
                    concurrency_limit=LIGHT_LIMIT, show_progress="hidden", trigger_mode="always_last",
                    api_name="attention_frame")
