"""Plotly figures of the attention and interaction-weight views (plain plotly; the app shows them).

Every figure is static (no ``fig.frames``: the app's ``gr.Plot`` drops them); moving through time
is done by building the figure for another frame, with a cursor line at that frame.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from t2i_core.render.attention import pool_frames
from t2i_core.render.interaction import JointPair
from t2i_core.render.playback import PERSON_COLORS
from t2i_core.skeleton import BONES, JOINT_NAMES

PERSON_NAMES = ("Person 1", "Person 2")
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}
_MAX_PERSON_FRAMES = 150  # person-to-person maps are pooled to at most this many frames a side


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01, "font": {"size": 14}}, height=height, template="plotly_white",
                      font=_FONT, margin={"l": 10, "r": 10, "t": 48, "b": 40})
    return fig


def _round(a: np.ndarray, digits: int = 4) -> np.ndarray:
    return np.round(np.asarray(a, dtype=np.float64), digits)


# -- attention -----------------------------------------------------------------------------------
def word_attention_figure(word: np.ndarray, labels: list[str], frame: int, title: str = "") -> go.Figure:
    """Words x frames heatmaps, one per person, sharing a colour scale; a cursor at ``frame``."""
    persons, frames, words = word.shape
    fig = make_subplots(rows=persons, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        subplot_titles=[f"{PERSON_NAMES[p]}: attention on each word" for p in range(persons)])
    zmax = float(word.max()) if word.size else 1.0
    for p in range(persons):
        fig.add_trace(go.Heatmap(
            z=_round(word[p].T), x=np.arange(frames), y=np.arange(words), zmin=0.0, zmax=max(zmax, 1e-6),
            colorscale="Viridis", coloraxis=None, showscale=p == 0,
            colorbar={"title": {"text": "weight"}, "len": 0.8} if p == 0 else None,
            customdata=np.array([[lab] * frames for lab in labels], dtype=object),
            hovertemplate="frame %{x}<br>word %{customdata}<br>weight %{z:.3f}<extra></extra>",
        ), row=p + 1, col=1)
        fig.update_yaxes(tickmode="array", tickvals=list(range(words)), ticktext=labels, autorange="reversed",
                         row=p + 1, col=1, title_text="word")
    fig.update_xaxes(title_text="frame (30 fps)", row=persons, col=1)
    _cursor(fig, frame, persons)
    return _layout(fig, title or "Word-level cross-attention (words × frames)", 180 + persons * (70 + 18 * words))


def _cursor(fig: go.Figure, frame: int, rows: int, vertical: bool = True, cols: int = 1) -> None:
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            if vertical:
                fig.add_vline(x=frame, line={"color": "#ef4444", "width": 2}, row=r, col=c)
            else:
                fig.add_hline(y=frame, line={"color": "#ef4444", "width": 2}, row=r, col=c)


def word_importance_figure(importance: np.ndarray, labels: list[str], at_frame: np.ndarray, frame: int,
                           null: np.ndarray) -> go.Figure:
    """Bars: the mean attention each word gets over the clip, per person; dots: at ``frame``."""
    fig = go.Figure()
    x = list(range(len(labels)))
    for p in range(importance.shape[0]):
        fig.add_trace(go.Bar(x=x, y=_round(importance[p]), name=f"{PERSON_NAMES[p]} (clip mean)",
                             marker_color=PERSON_COLORS[p], opacity=0.85,
                             hovertemplate="%{customdata}: %{y:.3f}<extra></extra>", customdata=labels))
        fig.add_trace(go.Scatter(x=x, y=_round(at_frame[p]), mode="markers", name=f"{PERSON_NAMES[p]} at frame {frame}",
                                 marker={"color": PERSON_COLORS[p], "size": 9, "symbol": "diamond",
                                         "line": {"color": "#111827", "width": 1}},
                                 hovertemplate="%{customdata}: %{y:.3f}<extra></extra>", customdata=labels))
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=labels, tickangle=-40)
    fig.update_yaxes(title_text="attention")
    shares = ", ".join(f"{PERSON_NAMES[p]} {100 * null[p]:.0f}%" for p in range(len(null)))
    return _layout(fig, f"Per-word importance (to the null token: {shares})", 380)


def person_attention_figure(person: np.ndarray, frame: int, centres: np.ndarray | None = None) -> go.Figure:
    """Each person's attention to the other (query frames x key frames), a cursor at ``frame``.

    ``person`` (2, P, P); ``centres`` (P,) the frame each row/column stands for (default 0..P-1).
    Maps larger than 150 frames a side are pooled first.
    """
    if centres is None:
        pooled, centres = pool_frames(person, _MAX_PERSON_FRAMES)
    else:
        pooled = person
    persons = person.shape[0]
    fig = make_subplots(rows=1, cols=persons, horizontal_spacing=0.08,
                        subplot_titles=[f"{PERSON_NAMES[p]} → {PERSON_NAMES[1 - p]}" for p in range(persons)])
    zmax = float(np.nanmax(pooled)) if pooled.size else 1.0
    for p in range(persons):
        fig.add_trace(go.Heatmap(z=_round(pooled[p]), x=_round(centres, 1), y=_round(centres, 1), zmin=0.0,
                                 zmax=max(zmax, 1e-6), colorscale="Magma", showscale=p == persons - 1,
                                 hovertemplate="query frame %{y}<br>key frame %{x}<br>weight %{z:.4f}<extra></extra>"),
                      row=1, col=p + 1)
        fig.update_xaxes(title_text=f"{PERSON_NAMES[1 - p]}'s frame", row=1, col=p + 1)
        fig.update_yaxes(title_text=f"{PERSON_NAMES[p]}'s frame", autorange="reversed", row=1, col=p + 1)
    _cursor(fig, frame, 1, vertical=False, cols=persons)
    return _layout(fig, "Person-to-person attention (frames × frames)", 460)


def empty_figure(message: str, height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14, "color": "#6b7280"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, "", height)


# -- interaction weights ------------------------------------------------------------------------
def weights_heatmap_figure(weights: np.ndarray, frame: int, eps: float, zmax: float | None = None) -> go.Figure:
    """The 22 x 22 joint-pair weights of one frame: rows person 1's joints, columns person 2's."""
    names = list(JOINT_NAMES)
    fig = go.Figure(go.Heatmap(
        z=_round(weights), x=names, y=names, zmin=0.0, zmax=zmax or float(weights.max()), colorscale="Inferno",
        colorbar={"title": {"text": "w"}},
        hovertemplate="P1 %{y} – P2 %{x}<br>w = %{z:.3f}<extra></extra>"))
    fig.update_xaxes(title_text="Person 2's joint", tickangle=-50)
    fig.update_yaxes(title_text="Person 1's joint", autorange="reversed")
    return _layout(fig, f"Adaptive weights w = 1/(d + ε) at frame {frame} (ε = {eps:g})", 560)


def pair_timeline_figure(weights: np.ndarray, pairs: list[JointPair], frame: int) -> go.Figure:
    """The weight of the strongest pairs over the clip, a cursor at ``frame``."""
    fig = go.Figure()
    frames = np.arange(weights.shape[0])
    for pair in pairs:
        fig.add_trace(go.Scatter(x=frames, y=_round(weights[:, pair.i, pair.j]), mode="lines", name=pair.label,
                                 hovertemplate=f"{pair.label}<br>frame %{{x}}: w = %{{y:.3f}}<extra></extra>"))
    fig.add_vline(x=frame, line={"color": "#ef4444", "width": 2})
    fig.update_xaxes(title_text="frame (30 fps)")
    fig.update_yaxes(title_text="weight w")
    fig.update_layout(legend={"orientation": "v", "x": 1.01, "y": 1})
    return _layout(fig, "Timeline of the strongest pairs (by their peak weight over the clip)", 380)


def pair_3d_figure(joints: np.ndarray, frame: int, pairs: list[JointPair]) -> go.Figure:
    """Both bodies at ``frame`` and the top-weighted joint pairs drawn as lines between them."""
    fig = go.Figure()
    for p in range(joints.shape[0]):
        pose = joints[p, frame]
        xs, ys, zs = [], [], []
        for parent, child in BONES:
            for v, axis in ((xs, 0), (ys, 1), (zs, 2)):
                v += [pose[parent, axis], pose[child, axis], None]
        fig.add_trace(go.Scatter3d(x=xs, y=ys, z=zs, mode="lines", line={"color": PERSON_COLORS[p], "width": 9},
                                   name=PERSON_NAMES[p], hoverinfo="skip"))
        fig.add_trace(go.Scatter3d(x=pose[:, 0], y=pose[:, 1], z=pose[:, 2], mode="markers",
                                   marker={"size": [10 if n == "head" else 3 for n in JOINT_NAMES],
                                           "color": PERSON_COLORS[p]},
                                   text=list(JOINT_NAMES), hovertemplate="%{text}<extra></extra>", showlegend=False))
    if pairs:
        top = max(pair.weight for pair in pairs)
        for rank, pair in enumerate(pairs):
            a, b = joints[0, frame, pair.i], joints[1, frame, pair.j]
            strength = pair.weight / top if top > 0 else 0.0
            fig.add_trace(go.Scatter3d(
                x=[a[0], b[0]], y=[a[1], b[1]], z=[a[2], b[2]], mode="lines",
                line={"color": f"rgba(220, 38, 38, {0.25 + 0.75 * strength:.2f})", "width": 2 + 8 * strength},
                name=f"#{rank + 1} {pair.label} (w={pair.weight:.2f})", hoverinfo="name"))
    floor = float(joints[..., 1].min())
    centre = joints[:, frame].reshape(-1, 3).mean(0)
    reach = float(np.abs(joints[:, frame].reshape(-1, 3) - centre).max()) + 0.3
    fig.update_layout(scene={
        "xaxis": {"title": "x (m)", "range": [centre[0] - reach, centre[0] + reach]},
        "yaxis": {"title": "y, up (m)", "range": [floor, floor + 2 * reach]},
        "zaxis": {"title": "z (m)", "range": [centre[2] - reach, centre[2] + reach]},
        "aspectmode": "cube", "camera": {"up": {"x": 0, "y": 1, "z": 0}, "eye": {"x": 1.3, "y": 0.6, "z": 1.3}},
        "domain": {"x": [0, 1], "y": [0.24, 1]},
    }, legend={"orientation": "h", "y": 0.2, "yanchor": "top", "font": {"size": 10}})
    return _layout(fig, f"Top-{len(pairs)} weighted pairs at frame {frame}", 560)
