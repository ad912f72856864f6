"""The Data set tab: an InterCompose output on its 2-D map, with live delta / r_min / r_max (and, for
outputs that carry their columns, the per-person δ and the physical limits).

A compose output is read only through ``t2i_core.compose.output.read_compose_output`` and only
from a folder inside the data roots, offered by root-relative name. The map (plotly Scattergl)
is sent once per folder and colouring; a slider move re-decides the statuses as int8 masks over
the stored arrays (``filters.status_codes``: no model, no UMAP) and sends one character per
point to a hidden box, from which the page's script (``HEAD``) restyles only the marker colours
and moves the histograms' threshold lines. The same script hands a clicked point's id, or a box
or lasso selection, to hidden boxes, since ``gr.Plot`` has only a ``change`` event.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pages.common import LIGHT_LIMIT, RESULTS, Session, escape, message, unexpected
from pages.session_store import SessionStore
from t2i_core.compose.filters import (
    ALL_STATUSES,
    DEFAULT_DELTA,
    IMPLAUSIBLE,
    KEPT,
    LOW_PERSON_COSINE,
    OPTIONAL_THRESHOLDS,
    PHYSICAL_LIMITS,
    STATUSES,
    UNSPLITTABLE,
    Thresholds,
    status_codes,
)
from t2i_core.compose.output import (
    COMPOSE_FILE,
    PERSON_COLUMNS,
    THRESHOLDS_FILE,
    ComposeOutputError,
    read_compose_output,
    write_kept_split,
)
from t2i_core.compose.playback import PlaybackStore
from t2i_core.data.browse import CLIP_ID, load_clip
from t2i_core.data.clips import ClipError
from t2i_core.data.layout import DataFolderError, InterHumanLayout
from t2i_core.io import atomic_write_text
from t2i_core.memory import release_freed_memory
from t2i_core.render.playback import FPS, playback_data
from t2i_core.render.viewer import placeholder_html, viewer_html, viewer_iframe
from t2i_core.roots import DataRoots, OutsideRootsError

DEMO_SET = "demo/compose"
VIEWER_HEIGHT = 420
STATUS_COLORS = {"kept": "#16a34a", "low_cosine": "#dc2626", "too_close": "#7c3aed", "too_far": "#f59e0b",
                 "unsplittable": "#1e293b",  # dark slate: never mistaken for the pale real clips
                 LOW_PERSON_COSINE: "#ec4899", IMPLAUSIBLE: "#06b6d4"}
STATUS_LABELS = {"kept": "kept", "low_cosine": "low cosine", "too_close": "too close", "too_far": "too far",
                 "unsplittable": "unsplittable", LOW_PERSON_COSINE: "low person cosine", IMPLAUSIBLE: "implausible"}
PALETTE = [STATUS_COLORS[s] for s in ALL_STATUSES]  # indexed by status code (the page's script too)
THEME_COLORS = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626",
                "#4b5563", "#c026d3")
REAL_COLOR = "#94a3b8"
DELTA_STEP = 0.01      # the sliders' steps: thresholds are shown (and decided) at this precision
RADIUS_STEP = 0.001
# The optional filters' sliders (filters.OPTIONAL_THRESHOLDS order): step and label; "off" at one end.
EXTRA_STEPS = {"person_delta": DELTA_STEP, "max_penetration": 0.001, "max_jitter": 0.01, "max_foot_skating": 0.001}
EXTRA_LABELS = {"person_delta": "per-person δ (left end: off)",
                "max_penetration": "max penetration, m (right end: off)",
                "max_jitter": "max jitter, m/s² (right end: off)",
                "max_foot_skating": "max foot skating (right end: off)"}
MEASURE_OF = {limit: measure for measure, limit in PHYSICAL_LIMITS.items()}
COLOUR_BY = [("status", "status"), ("theme", "theme"), ("cosine", "cosine"), ("distance", "distance")]
HISTOGRAM_BINS = 40
TABLE_ROWS = 200       # rows of a selection shown in the table
THEME_ROWS = 12        # themes listed in the counts
HOVER_CHARS = 120
TABLE_COLUMNS = ["id", "status", "theme", "cosine", "distance", "description"]


def on_step(value: float, step: float) -> float:
    return round(round(float(value) / step) * step, 6)  # the second round drops binary noise (0.58000000001)


def is_compose_output(folder: Path) -> bool:
    """What the folder list offers: folders holding compose.json."""
    return (folder / COMPOSE_FILE).is_file()


@dataclass
class ComposeSet:
    """One compose output as the page needs it: arrays for the sliders, the table for details."""

    name: str                    # root-relative, as offered
    set_id: str
    candidates: pd.DataFrame
    real: pd.DataFrame
    cosine: np.ndarray           # (N,) float64, NaN for rows without a motion
    distance: np.ndarray
    has_motion: np.ndarray       # (N,) bool
    theme_codes: np.ndarray      # (N,) int into ``themes``
    themes: list[str]
    synthetic_xy: np.ndarray     # (N, 2)
    real_xy: np.ndarray          # (M, 2)
    defaults: Thresholds
    k: int
    real_folder: str | None      # root-relative name of the real data, when it lies inside a root
    person_cosine: np.ndarray | None = None                          # (N, 2), when the run scored each person
    physical: dict[str, np.ndarray] = field(default_factory=dict)    # measure -> (N,), those the output has
    physical_percentiles: dict = field(default_factory=dict)         # compose.json real_physical_percentiles

    def has_filter(self, name: str) -> bool:
        """Whether the output carries the columns of the optional threshold ``name`` (its slider is shown)."""
        return self.person_cosine is not None if name == "person_delta" else MEASURE_OF[name] in self.physical

    @property
    def extra_filters(self) -> tuple[str, ...]:
        return tuple(name for name in OPTIONAL_THRESHOLDS if self.has_filter(name))

    @property
    def shown_statuses(self) -> tuple[str, ...]:
        """The paper's five, and the optional filters' statuses when the output can have them."""
        extra = ((LOW_PERSON_COSINE,) if self.person_cosine is not None else ()) + ((IMPLAUSIBLE,) if self.physical
                                                                                   else ())
        return STATUSES + extra

    @cached_property
    def extra_ranges(self) -> dict[str, tuple[float, float]]:
        """Each shown optional slider's (minimum, maximum), from the data, the run's value and the real
        percentiles; the off end (minimum for the per-person δ, maximum for a physical limit) lies a step beyond."""
        ranges = {}
        for name in self.extra_filters:
            step, run_value = EXTRA_STEPS[name], getattr(self.defaults, name)
            if name == "person_delta":
                values = self.person_cosine[np.isfinite(self.person_cosine)]
                low = min(float(values.min()) if values.size else 0.0, 1.0 if run_value is None else run_value)
                ranges[name] = max(-1.0, on_step(math.floor(low / step) * step - step, step)), 1.0
                continue
            measure = MEASURE_OF[name]
            values = self.physical[measure][np.isfinite(self.physical[measure])]
            tops = [float(values.max()) if values.size else 1.0, run_value or 0.0]
            tops += [float(v) for v in (self.physical_percentiles.get(measure) or {}).values()
                     if isinstance(v, int | float) and math.isfinite(v)]
            ranges[name] = 0.0, on_step(math.ceil(max(tops) * 1.05 / step) * step + step, step)
        return ranges

    def extra_range(self, name: str) -> tuple[float, float]:
        return self.extra_ranges[name]

    def off_value(self, name: str) -> float:
        low, high = self.extra_range(name)
        return low if name == "person_delta" else high

    def extra_threshold(self, name: str, value) -> float | None:
        """A slider value -> the threshold: None (off) at the slider's off end, for a missing value, or for a
        filter whose columns the output lacks (its slider is hidden)."""
        if value is None or not self.has_filter(name):
            return None
        value, (low, high) = float(value), self.extra_range(name)
        off = value <= low if name == "person_delta" else value >= high
        return None if off else value

    @property
    def distance_max(self) -> float:
        finite = self.distance[np.isfinite(self.distance)]
        top = float(finite.max()) if finite.size else 1.0
        if math.isfinite(self.defaults.r_max):
            top = max(top, self.defaults.r_max)
        return round(top * 1.05 + 1e-3, 3)

    def thresholds(self, delta, r_min, r_max, *extra) -> Thresholds:
        """Slider values -> Thresholds; r_max at the slider's end means no outer radius. ``extra``: the optional
        filters' sliders in OPTIONAL_THRESHOLDS order (each off at its end, or when not given)."""
        r_max = float(r_max)
        optional = {name: self.extra_threshold(name, value) for name, value in zip(OPTIONAL_THRESHOLDS, extra)}
        return Thresholds(delta=float(delta), r_min=float(r_min),
                          r_max=math.inf if r_max >= self.distance_max else r_max, k=self.k, **optional)

    def codes(self, thresholds: Thresholds) -> np.ndarray:
        return status_codes(self.cosine, self.distance, self.has_motion, thresholds,
                            self.person_cosine, self.physical or None)


def _thresholds_from_defaults(payload, k: int, available: tuple[str, ...]) -> Thresholds:
    """compose.json's defaults; an optional filter counts only when the output has its columns."""
    payload = dict(payload or {})
    return Thresholds.from_json({"delta": payload.get("delta", DEFAULT_DELTA), "r_min": payload.get("r_min", 0.0),
                                 "r_max": payload.get("r_max"), "k": k,
                                 **{name: payload.get(name) for name in available}})


def open_set(roots: DataRoots, name) -> ComposeSet:
    """The compose output named ``name`` (root-relative): OutsideRootsError for anything outside the
    roots, ComposeOutputError (messages without server paths) for a folder that is not one."""
    folder = roots.resolve(str(name or "").strip())
    try:
        output = read_compose_output(folder)
    except ComposeOutputError as error:
        raise ComposeOutputError(roots.redact(str(error).replace(str(folder), str(name).strip()))) from None
    candidates = output.candidates.reset_index(drop=True)
    projection = output.projection()
    has_motion = (candidates["frames"] > 0).to_numpy() & (candidates["status"] != UNSPLITTABLE).to_numpy()
    theme_values = candidates["theme"].fillna("").astype(str)
    themes = sorted(set(theme_values))
    lookup = {t: i for i, t in enumerate(themes)}
    real_folder = None
    real_path = output.info.get("real")
    if isinstance(real_path, str) and real_path:
        try:  # a relative "real" is relative to nothing we know: only an existing folder inside a root counts
            real_folder = roots.name_of(roots.confine(real_path)) if Path(real_path).is_absolute() else None
        except OutsideRootsError:
            real_folder = None
    k = output.thresholds.k
    person_cosine = (candidates[list(PERSON_COLUMNS)].to_numpy(dtype=np.float64)
                     if set(PERSON_COLUMNS) <= set(candidates.columns) else None)
    physical = {m: candidates[m].to_numpy(dtype=np.float64) for m in PHYSICAL_LIMITS if m in candidates.columns}
    available = (("person_delta",) if person_cosine is not None else ()) + tuple(
        PHYSICAL_LIMITS[m] for m in physical)
    try:
        defaults = _thresholds_from_defaults(output.info.get("defaults"), k, available)
    except (TypeError, ValueError):
        defaults = Thresholds(output.thresholds.delta, output.thresholds.r_min, output.thresholds.r_max, k,
                              **{name: getattr(output.thresholds, name) for name in available})
    percentiles = output.info.get("real_physical_percentiles")
    return ComposeSet(
        name=str(name).strip(), set_id=str(output.info.get("set_id", "")), candidates=candidates, real=output.real,
        cosine=candidates["cosine"].to_numpy(dtype=np.float64), distance=candidates["distance"].to_numpy(np.float64),
        has_motion=has_motion, theme_codes=theme_values.map(lookup).to_numpy(dtype=np.int64), themes=themes,
        synthetic_xy=np.asarray(projection["synthetic"], dtype=np.float32),
        real_xy=np.asarray(projection["real"], dtype=np.float32), defaults=defaults, k=k, real_folder=real_folder,
        person_cosine=person_cosine, physical=physical,
        physical_percentiles=percentiles if isinstance(percentiles, dict) else {})


class SharedSets:
    """Compose outputs opened once and shared, read-only, by every visitor of this page: a visitor's
    state holds a reference to the set, not a copy of it. A set is opened again when a file of its
    folder changes (name, size or modification time); at most ``size`` sets are kept."""

    def __init__(self, roots: DataRoots, size: int = 4):
        self.roots = roots
        self.size = size
        self._sets: OrderedDict[tuple, ComposeSet] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _signature(folder: Path) -> tuple:
        with os.scandir(folder) as entries:
            return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries if e.is_file()))

    def open(self, name) -> ComposeSet:
        """As ``open_set``; the same object for the same folder while its files are unchanged."""
        folder = self.roots.resolve(str(name or "").strip())
        key = (str(folder), str(name).strip(), self._signature(folder))
        with self._lock:
            if key in self._sets:
                self._sets.move_to_end(key)
                return self._sets[key]
        data = open_set(self.roots, name)  # outside the lock: another visitor's open need not wait
        with self._lock:
            self._sets[key] = data
            while len(self._sets) > self.size:
                self._sets.popitem(last=False)
        return data


# -- what a slider move computes (the fast path; benchmarks/bench_dataset_page.py times it) ---------
def counts_html(data: ComposeSet, codes: np.ndarray) -> str:
    total = np.bincount(codes, minlength=len(ALL_STATUSES))
    cells = "".join(f'<td data-status="{s}"><span style="color:{STATUS_COLORS[s]}">●</span> {STATUS_LABELS[s]}: '
                    f'<b>{int(total[ALL_STATUSES.index(s)]):,}</b></td>' for s in data.shown_statuses)
    n = len(ALL_STATUSES)
    by_theme = np.bincount(data.theme_codes * n + codes, minlength=len(data.themes) * n).reshape(len(data.themes), n)
    order = np.argsort(-by_theme.sum(axis=1), kind="stable")[:THEME_ROWS]
    kept = ALL_STATUSES.index(KEPT)
    themes = " · ".join(f"{escape(data.themes[t] or '(none)')} {int(by_theme[t, kept])}/{int(by_theme[t].sum())}"
                        for t in order)
    more = f" · … {len(data.themes) - THEME_ROWS} more themes" if len(data.themes) > THEME_ROWS else ""
    return (f'<table class="t2i-counts" id="dataset-counts-table"><tr>{cells}</tr></table>'
            f'<div class="t2i-theme-counts">kept per theme: {themes}{more}</div>')


def slider_payload(data: ComposeSet, thresholds: Thresholds, colour_by: str) -> str:
    """What the page's script applies: one status digit per synthetic point, and the threshold lines."""
    codes = data.codes(thresholds)
    digits = (codes + ord("0")).astype(np.uint8).tobytes().decode("ascii")
    lines = {k: v for k, v in thresholds.to_json().items() if k != "k"}
    return json.dumps({"codes": digits if colour_by == "status" else "", "lines": lines,
                       "palette": PALETTE}), codes


def slider_moved(data: ComposeSet | None, delta, r_min, r_max, colour_by, *extra):
    """Outputs: payload box, counts, status line. ``extra``: the optional filters' sliders."""
    if data is None:
        return gr.skip(), gr.skip(), gr.skip()
    try:
        thresholds = data.thresholds(delta, r_min, r_max, *extra)
    except (TypeError, ValueError) as error:
        return gr.skip(), gr.skip(), message("error", escape(error))
    payload, codes = slider_payload(data, thresholds, colour_by)
    return payload, counts_html(data, codes), gr.skip()


# -- the figures (once per folder or colouring) ---------------------------------------------------
def _hover(texts: pd.Series) -> list[str]:
    return [t if len(t) <= HOVER_CHARS else t[: HOVER_CHARS - 1] + "…" for t in texts.fillna("").astype(str)]


def map_figure(data: ComposeSet, thresholds: Thresholds, colour_by: str) -> go.Figure:
    figure = go.Figure()
    figure.add_trace(go.Scattergl(
        x=data.real_xy[:, 0], y=data.real_xy[:, 1], mode="markers", name="real clips",
        marker={"color": REAL_COLOR, "size": 5, "symbol": "diamond", "opacity": 0.6},
        hovertext=_hover(data.real["caption"]), hoverinfo="text",
        customdata=["r:" + str(i) for i in data.real["id"]]))
    marker: dict = {"size": 6, "opacity": 0.85}
    if colour_by == "status":
        codes = data.codes(thresholds)
        palette = np.array(PALETTE, dtype=object)
        marker["color"] = palette[codes].tolist()
    elif colour_by == "theme":
        marker["color"] = np.array(THEME_COLORS, dtype=object)[data.theme_codes % len(THEME_COLORS)].tolist()
    else:
        values = data.cosine if colour_by == "cosine" else data.distance
        marker.update(color=np.nan_to_num(values, nan=float(np.nanmin(values)) if np.isfinite(values).any() else 0),
                      colorscale="Viridis", showscale=True, colorbar={"title": {"text": colour_by}})
    figure.add_trace(go.Scattergl(
        x=data.synthetic_xy[:, 0], y=data.synthetic_xy[:, 1], mode="markers", name="synthetic", marker=marker,
        hovertext=_hover(data.candidates["description"]), hoverinfo="text",
        customdata=data.candidates["id"].astype(str).tolist(), showlegend=colour_by not in ("status", "theme")))
    legend = (data.shown_statuses if colour_by == "status"
              else data.themes[: len(THEME_COLORS)] if colour_by == "theme" else ())
    for i, name in enumerate(legend):  # legend entries only: one trace per colour would cost a restyle each
        color = STATUS_COLORS[name] if colour_by == "status" else THEME_COLORS[i]
        figure.add_trace(go.Scattergl(x=[None], y=[None], mode="markers", hoverinfo="skip",
                                      name=STATUS_LABELS.get(name, name or "(none)"),
                                      marker={"color": color, "size": 8}))
    figure.update_layout(height=560, margin={"l": 10, "r": 10, "t": 30, "b": 10}, dragmode="lasso", hovermode="closest",
                         legend={"orientation": "h", "y": -0.02}, uirevision=data.name,
                         title={"text": f"{escape(data.name)}: {len(data.candidates):,} candidates, "
                                        f"{len(data.real):,} real clips", "font": {"size": 13}},
                         xaxis={"visible": False}, yaxis={"visible": False})
    return figure


def _threshold_shapes(which: str, thresholds: Thresholds) -> list[dict]:
    values = [thresholds.delta] if which == "cosine" else [thresholds.r_min] + (
        [] if math.isinf(thresholds.r_max) else [thresholds.r_max])
    return [{"type": "line", "xref": "x", "yref": "paper", "x0": v, "x1": v, "y0": 0, "y1": 1,
             "line": {"color": "#111827", "width": 2, "dash": "dash"}} for v in values]


def histogram_figure(values: np.ndarray, which: str, thresholds: Thresholds) -> go.Figure:
    finite = values[np.isfinite(values)]
    counts, edges = np.histogram(finite, bins=HISTOGRAM_BINS) if finite.size else (np.zeros(1), np.array([0.0, 1.0]))
    figure = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color="#60a5fa",
                              hovertemplate="%{x:.3f}: %{y}<extra></extra>"))
    figure.update_layout(height=220, margin={"l": 40, "r": 10, "t": 30, "b": 30}, bargap=0,
                         title={"text": f"{which} (dashed: threshold{'s' if which == 'distance' else ''})",
                                "font": {"size": 12}}, shapes=_threshold_shapes(which, thresholds))
    return figure


# -- events ---------------------------------------------------------------------------------------
def folder_choices(roots: DataRoots):
    return gr.update(choices=roots.folders(accept=is_compose_output))


def on_slider_steps(data: ComposeSet, thresholds: Thresholds) -> Thresholds:
    """``thresholds`` rounded to the sliders' steps: the page shows 0.141, not 0.14091351844254357, and the
    counts and colours follow the values shown."""
    r_max = data.distance_max if math.isinf(thresholds.r_max) else on_step(thresholds.r_max, RADIUS_STEP)
    return data.thresholds(on_step(thresholds.delta, DELTA_STEP), on_step(thresholds.r_min, RADIUS_STEP), r_max,
                           *extra_slider_values(data, thresholds))


def extra_slider_values(data: ComposeSet, thresholds: Thresholds) -> list[float | None]:
    """Where the optional filters' sliders stand for ``thresholds`` (on their steps; off: the off end)."""
    values = []
    for name in OPTIONAL_THRESHOLDS:
        value = getattr(thresholds, name)
        if not data.has_filter(name):
            values.append(None)
            continue
        low, high = data.extra_range(name)
        values.append(data.off_value(name) if value is None else min(max(on_step(value, EXTRA_STEPS[name]), low), high))
    return values


def _slider_updates(data: ComposeSet, thresholds: Thresholds):
    """delta, r_min, r_max, then the optional filters' sliders: shown only for an output with their columns."""
    top = data.distance_max
    r_max = top if math.isinf(thresholds.r_max) else min(thresholds.r_max, top)
    extra = []
    for name, value in zip(OPTIONAL_THRESHOLDS, extra_slider_values(data, thresholds), strict=True):
        if data.has_filter(name):
            low, high = data.extra_range(name)
            extra.append(gr.update(visible=True, minimum=low, maximum=high, value=value))
        else:
            extra.append(gr.update(visible=False))
    return (gr.update(value=thresholds.delta),
            gr.update(maximum=top, value=min(thresholds.r_min, top)),
            gr.update(maximum=top, value=r_max), *extra)


def same_presets(data: ComposeSet) -> bool:
    """Whether "Paper values" and "Run defaults" set the same thresholds (the run used the paper's δ)."""
    return on_slider_steps(data, data.defaults) == on_slider_steps(data, paper_thresholds(data))


def paper_thresholds(data: ComposeSet) -> Thresholds:
    """The paper's δ with the run's radii; the per-person and physical filters (not the paper's) off."""
    return Thresholds(delta=DEFAULT_DELTA, r_min=data.defaults.r_min, r_max=data.defaults.r_max, k=data.k)


def load_set(sets: SharedSets, name, colour_by):
    """Outputs: data, info, map, cosine histogram, distance histogram, delta, r_min, r_max, counts, payload,
    then the optional filters' sliders (OPTIONAL_THRESHOLDS order)."""
    keep = [gr.skip()] * (8 + len(OPTIONAL_THRESHOLDS))
    if not name or not str(name).strip():
        return None, message("info", "No compose output in the data roots yet: run InterCompose into a folder "
                                     "inside a data root (`python app.py --data-root DIR`)."), *keep
    try:
        data = sets.open(name)
    except (ComposeOutputError, ValueError) as error:  # OutsideRootsError is a ValueError
        gr.Warning(str(error))
        return None, message("error", f"Cannot open the data set: {escape(error)}"), *keep
    except Exception as error:
        raise unexpected(error, "Opening the data set") from error
    thresholds = on_slider_steps(data, data.defaults)
    payload, codes = slider_payload(data, thresholds, colour_by)
    release_freed_memory()  # the figures of sessions Gradio dropped go back to the system
    real = (f"real clips from `{escape(data.real_folder)}`" if data.real_folder
            else "real clips shown on the map only (their folder is not in the data roots)")
    same = (f" This run used the paper's values (δ {DEFAULT_DELTA:g} with its radii): \"Paper values\" and "
            "\"Run defaults\" set the same thresholds." if same_presets(data) else "")
    info = message("ok", f"Set <code>{escape(data.set_id[:12])}</code> · {len(data.candidates):,} candidates · "
                         f"{len(data.real):,} real clips · {real}. Click a point to play it; drag a lasso or box "
                         f"to list points.{same}")
    updates = _slider_updates(data, thresholds)
    return (data, info, map_figure(data, thresholds, colour_by), histogram_figure(data.cosine, "cosine", thresholds),
            histogram_figure(data.distance, "distance", thresholds), *updates[:3], counts_html(data, codes), payload,
            *updates[3:])


def recolour_by(data: ComposeSet | None, delta, r_min, r_max, colour_by, *extra):
    """A new colouring re-sends the map (rare; slider moves only restyle)."""
    if data is None:
        return gr.skip()
    try:
        return map_figure(data, data.thresholds(delta, r_min, r_max, *extra), colour_by)
    except (TypeError, ValueError) as error:
        gr.Warning(str(error))
        return gr.skip()


def preset(which: str, data: ComposeSet | None, colour_by):
    """Outputs: delta, r_min, r_max, payload, counts, then the optional filters' sliders. "paper": delta 0.58
    with the run's radii, the optional filters off; "defaults": the run's values (compose.json)."""
    if data is None:
        return [gr.skip()] * (5 + len(OPTIONAL_THRESHOLDS))
    thresholds = on_slider_steps(data, paper_thresholds(data) if which == "paper" else data.defaults)
    payload, codes = slider_payload(data, thresholds, colour_by)
    updates = _slider_updates(data, thresholds)
    return *updates[:3], payload, counts_html(data, codes), *updates[3:]


def _fmt(value) -> str:
    return "—" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.3f}"


def candidate_joints(roots: DataRoots, data: ComposeSet, clip: str) -> tuple[np.ndarray, int]:
    """A candidate's joints and their frame rate: from its motion files, or a demo set's playback store."""
    folder = roots.resolve(data.name)
    if PlaybackStore.present(folder):
        store = PlaybackStore(folder)
        return store.joints(clip), store.fps
    return load_clip(roots, data.name, clip)[0], FPS


def play(roots: DataRoots, data: ComposeSet | None, picked, delta, r_min, r_max, *extra):
    """Outputs: viewer, details. ``picked`` is "<id>|<nonce>" from the page's script or a table row's id."""
    if data is None or not picked:
        return gr.skip(), gr.skip()
    point = str(picked).split("|", 1)[0].strip()
    real = point.startswith("r:")
    clip = point[2:] if real else point
    if not CLIP_ID.fullmatch(clip):
        return gr.skip(), message("error", "Not a point of this map.")
    try:
        if real:
            rows = data.real.index[data.real["id"] == clip]
            if not len(rows):
                return gr.skip(), message("error", "Not a point of this map.")
            if data.real_folder is None:
                return gr.skip(), message("info", f"Real clip {escape(clip)}: its folder is not inside the server's "
                                                  f"data roots, so it cannot be played here.")
            joints, caption = load_clip(roots, data.real_folder, clip)
            fps = FPS
            details = f"<b>Real clip {escape(clip)}</b> of <code>{escape(data.real_folder)}</code>: {escape(caption)}"
            title = f"real {clip}"
        else:
            rows = data.candidates.index[data.candidates["id"] == clip]
            if not len(rows):
                return gr.skip(), message("error", "Not a point of this map.")
            row = data.candidates.loc[rows[0]]
            thresholds = data.thresholds(delta, r_min, r_max, *extra)
            status = ALL_STATUSES[int(data.codes(thresholds)[rows[0]])]
            scores = (f"cosine {_fmt(float(row['cosine']))} · distance {_fmt(float(row['distance']))} · "
                      f"status under the sliders: <b>{STATUS_LABELS[status]}</b> · theme {escape(row['theme'])} · "
                      f"tags {escape(row['tags'])} · person 1 {escape(row['person1_source'])}")
            if data.person_cosine is not None:
                scores += (f" · own cosines {_fmt(float(data.person_cosine[rows[0], 0]))} / "
                           f"{_fmt(float(data.person_cosine[rows[0], 1]))}")
            scores += "".join(f" · {m.replace('_', ' ')} {_fmt(float(v[rows[0]]))}" for m, v in data.physical.items())
            if not data.has_motion[rows[0]]:
                reason = escape(row["reason"]) or "no motion was made"
                return gr.skip(), message("info", f"<b>{escape(clip)}</b>: {escape(row['description'])}<br>"
                                                  f"Unsplittable ({reason}): nothing to play.")
            joints, fps = candidate_joints(roots, data, clip)
            details = (f"<b>{escape(clip)}</b>: {escape(row['description'])}<br>person 1: "
                       f"{escape(row['prompt1'])}<br>person 2: {escape(row['prompt2'])}<br>{scores}")
            title = f"{clip}: {row['description']}"[:90]
    except (DataFolderError, ClipError, ValueError) as error:
        gr.Warning(str(error))
        return gr.skip(), message("error", f"Cannot play {escape(clip)}: {escape(error)}")
    except Exception as error:
        raise unexpected(error, "Playing the clip") from error
    viewer = viewer_iframe(viewer_html(playback_data(joints, fps=fps, title=title), viewer_id="dataset",
                                       download_name=clip), VIEWER_HEIGHT, "dataset-viewer-frame")
    return viewer, message("info", details)


def selection_table(data: ComposeSet | None, selected, delta, r_min, r_max, *extra):
    """The table of a box or lasso selection ("<id>,<id>,...|<nonce>")."""
    if data is None or not selected:
        return gr.skip()
    ids = [i for i in str(selected).split("|", 1)[0].split(",") if i and not i.startswith("r:")]
    rows = data.candidates[data.candidates["id"].isin(set(ids))].head(TABLE_ROWS)
    try:
        codes = data.codes(data.thresholds(delta, r_min, r_max, *extra))
    except (TypeError, ValueError):
        return gr.skip()
    table = pd.DataFrame({
        "id": rows["id"].astype(str), "status": [STATUS_LABELS[ALL_STATUSES[int(c)]] for c in codes[rows.index]],
        "theme": rows["theme"].astype(str), "cosine": rows["cosine"].round(3), "distance": rows["distance"].round(3),
        "description": rows["description"].astype(str)})
    return table


def table_pick(table, evt: gr.SelectData):
    """A row of the table -> its id, for ``play``."""
    try:
        row = evt.index[0] if isinstance(evt.index, list | tuple) else int(evt.index)
        return f"{table.iloc[int(row)]['id']}|row{row}"
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return gr.skip()


def export_ids(session: Session, data: ComposeSet | None, delta, r_min, r_max, *extra):
    """Outputs: file, status. The kept ids under the sliders with the thresholds and the set."""
    if data is None:
        return gr.skip(), message("info", "Open a data set first.")
    try:
        thresholds = data.thresholds(delta, r_min, r_max, *extra)
        codes = data.codes(thresholds)
        kept = data.candidates["id"].astype(str).to_numpy()[codes == ALL_STATUSES.index(KEPT)].tolist()
        total = np.bincount(codes, minlength=len(ALL_STATUSES))
        payload = {"set_id": data.set_id, "folder": data.name, "thresholds": thresholds.to_json(),
                   "counts": {s: int(total[ALL_STATUSES.index(s)]) for s in data.shown_statuses},
                   "kept": kept}
        path = session.ensure_folder() / f"kept_{data.set_id[:12] or 'set'}.json"
        atomic_write_text(path, json.dumps(payload, indent=1) + "\n")
    except (TypeError, ValueError) as error:
        return gr.skip(), message("error", escape(error))
    except Exception as error:
        raise unexpected(error, "Exporting the kept ids") from error
    return str(path), message("ok", f"{len(kept):,} kept ids with the thresholds written.")


def export_folder(roots: DataRoots, session: Session, data: ComposeSet | None, delta, r_min, r_max, *extra):
    """Outputs: file, status. The kept clips in InterHuman's layout (split/train.txt), zipped."""
    if data is None:
        return gr.skip(), message("info", "Open a data set first.")
    try:
        thresholds = data.thresholds(delta, r_min, r_max, *extra)
        kept = data.candidates["id"].astype(str).to_numpy()[data.codes(thresholds) == ALL_STATUSES.index(KEPT)]
        if not len(kept):
            return gr.skip(), message("warn", "No candidate is kept under these thresholds.")
        if PlaybackStore.present(roots.resolve(data.name)):
            return gr.skip(), message("warn", "This is a demo set: it keeps only compact playback motions, "
                                               "not the features training reads. Export the ids above, or compose "
                                               "a set of your own with `python -m training.compose run`.")
        source = InterHumanLayout(roots.resolve(data.name))
        stem = f"compose_{data.set_id[:12] or 'set'}_kept"
        work = session.ensure_folder() / stem
        shutil.rmtree(work, ignore_errors=True)
        target = InterHumanLayout(work)
        for cid in kept:
            pairs = [(source.caption_file(cid), target.caption_file(cid))]
            for person in (1, 2):
                pairs += [(source.motion_file(cid, person), target.motion_file(cid, person)),
                          (source.individual_caption_file(cid, person), target.individual_caption_file(cid, person))]
            for src, dst in pairs:
                real = roots.confine(src)  # a link inside the output must not export a file outside the roots
                if real.is_file():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(real, dst)
        write_kept_split(work, [str(c) for c in kept])
        atomic_write_text(work / THRESHOLDS_FILE, json.dumps({"set_id": data.set_id, **thresholds.to_json()}) + "\n")
        archive = Path(shutil.make_archive(str(work), "zip", root_dir=work.parent, base_dir=stem))
        shutil.rmtree(work, ignore_errors=True)
    except (TypeError, ValueError) as error:  # OutsideRootsError included
        return gr.skip(), message("error", escape(error))
    except Exception as error:
        raise unexpected(error, "Writing the filtered folder") from error
    return str(archive), message("ok", f"{len(kept):,} kept clips in InterHuman's layout: unzip and train "
                                                f"with `python -m training.train_interactor --data {stem}`.")


# The page's script: restyle on a new payload; hand clicks and selections to the hidden boxes.
HEAD = """
<script>
(() => {
  const plot = (id) => document.querySelector(`#${id} .js-plotly-plot`);
  function setBox(id, value) {
    const box = document.querySelector(`#${id} textarea, #${id} input`);
    if (!box) return;
    box.value = value;
    box.dispatchEvent(new Event("input", {bubbles: true}));
  }
  // Recolouring only: plotly's restyle of a scattergl recomputes the whole trace (about 0.5 s at 100k
  // points), so the new colours go straight to plotly's WebGL scatter, which redraws; the figure's data
  // is kept in step for a later full redraw, zoom or hover. Plotly's own restyle when its scene is not
  // as this expects (another plotly version).
  function recolourInPlace(map, colors, palette) {
    const scene = map._fullLayout && map._fullLayout._plots && map._fullLayout._plots.xy
      && map._fullLayout._plots.xy._scene;
    const trace = map.calcdata && map.calcdata[1] && map.calcdata[1][0] && map.calcdata[1][0].t;
    const options = scene && trace && scene.markerOptions && scene.markerOptions[trace.index];
    if (!options || !Array.isArray(options.colors) || options.colors.length !== colors.length || !scene.draw
        || !scene.scatter2d || !scene.scatter2d.update || !map._fullLayout._glcanvas) return false;
    const alpha = Number(map._fullData[1].marker.opacity ?? 1);
    const rgba = Object.fromEntries(palette.map((hex) => [hex,
      [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255).concat([alpha])]));
    options.colors = colors.map((hex) => rgba[hex]);
    const update = new Array(scene.count);
    update[trace.index] = {colors: options.colors};
    scene.scatter2d.update(...update);
    if (scene.select2d && scene.select2d.update) scene.select2d.update(...update);  // a lasso's selected points
    map.data[1].marker.color = colors;
    map._fullData[1].marker.color = colors;
    map._fullLayout._glcanvas.each((canvas) => canvas.regl && canvas.regl.clear({color: true, depth: true}));
    scene.draw();
    return true;
  }
  window.t2iDatasetApply = (text) => {
    if (!text || !window.Plotly) return;
    const payload = JSON.parse(text);
    const map = plot("dataset-map");
    const shown = map && map._fullData && map._fullData[1];  // _fullData: x/y decoded from plotly's bdata
    if (shown && payload.codes && shown._length === payload.codes.length) {
      const colors = new Array(payload.codes.length);
      for (let i = 0; i < colors.length; i++) colors[i] = payload.palette[payload.codes.charCodeAt(i) - 48];
      const drawn = recolourInPlace(map, colors, payload.palette) ? Promise.resolve()
        : window.Plotly.restyle(map, {"marker.color": [colors]}, [1]);
      // A frame after drawing: a counter and the delta shown, which tests and the benchmark wait for.
      drawn.then(() => requestAnimationFrame(() => {
        map.dataset.repaintedDelta = String(payload.lines.delta);
        map.dataset.recoloured = String(Number(map.dataset.recoloured || 0) + 1);
      }));
    }
    const line = (x) => ({type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1,
                          line: {color: "#111827", width: 2, dash: "dash"}});
    const cos = plot("dataset-cosine"), dist = plot("dataset-distance");
    if (cos) window.Plotly.relayout(cos, {shapes: [line(payload.lines.delta)]});
    const radii = [payload.lines.r_min].concat(payload.lines.r_max === null ? [] : [payload.lines.r_max]);
    if (dist) window.Plotly.relayout(dist, {shapes: radii.map(line)});
  };
  let nonce = 0;
  setInterval(() => {
    const map = plot("dataset-map");
    if (!map || map.t2iBound || !map.on) return;
    map.t2iBound = true;
    map.on("plotly_click", (event) => {
      const point = event && event.points && event.points[0];
      if (point && point.customdata) setBox("dataset-clicked", `${point.customdata}|${++nonce}`);
    });
    map.on("plotly_selected", (event) => {
      const ids = ((event && event.points) || []).map((p) => p.customdata).filter(Boolean);
      if (ids.length) setBox("dataset-selected", `${ids.join(",")}|${++nonce}`);
    });
  }, 400);
})();
</script>
"""

APPLY = "(text) => { if (window.t2iDatasetApply) window.t2iDatasetApply(text); }"

CSS = """
.t2i-counts td { padding: 2px 10px 2px 0; }
.t2i-theme-counts { font-size: 0.9em; color: #374151; }
"""


def build(sessions: SessionStore, roots: DataRoots) -> None:
    """Add the Data set tab to the enclosing ``gr.Blocks``; compose outputs come only from ``roots``."""
    offered = roots.folders(accept=is_compose_output)
    first = DEMO_SET if DEMO_SET in offered else (offered[0] if offered else None)
    with gr.Tab("Data set", id="dataset") as tab:
        data = gr.State(None)
        gr.Markdown("InterCompose's synthetic candidates on one 2-D map with the real clips. Move the thresholds: "
                    "the map recolours as the filter would decide (cosine ≥ δ, r_min ≤ distance ≤ r_max; for "
                    "outputs that carry their scores, each person's own cosine ≥ the per-person δ and the physical "
                    "limits).")
        with gr.Row(equal_height=True):
            folder = gr.Dropdown(offered, value=first, allow_custom_value=True, scale=4, elem_id="dataset-folder",
                                 label="Compose output (inside the server's data roots)")
            colour_by = gr.Radio(COLOUR_BY, value="status", label="Colour by", elem_id="dataset-colour", scale=2)
            open_button = gr.Button("Open", elem_id="dataset-open", scale=1)
        info = gr.Markdown(message("info", "Opening…" if first else "No compose output in the data roots yet."),
                           elem_id="dataset-info")
        with gr.Row():
            delta = gr.Slider(-1, 1, value=DEFAULT_DELTA, step=DELTA_STEP, label="δ (min cosine)",
                              elem_id="dataset-delta")
            r_min = gr.Slider(0, 1, value=0, step=RADIUS_STEP, label="r_min", elem_id="dataset-rmin")
            r_max = gr.Slider(0, 1, value=1, step=RADIUS_STEP, label="r_max (right end: no outer radius)",
                              elem_id="dataset-rmax")
        with gr.Row():  # shown only for an output that carries the filter's columns (load_set)
            extra_sliders = [gr.Slider(0, 1, value=1, step=EXTRA_STEPS[name], label=EXTRA_LABELS[name], visible=False,
                                       elem_id=f"dataset-{name.replace('_', '-')}") for name in OPTIONAL_THRESHOLDS]
        with gr.Row():
            paper = gr.Button("Paper values (δ 0.58, the run's radii)", elem_id="dataset-paper", size="sm")
            defaults = gr.Button("Run defaults (compose.json)", elem_id="dataset-defaults", size="sm")
        counts = gr.HTML("", elem_id="dataset-counts")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                scatter = gr.Plot(label="2-D projection", elem_id="dataset-map")
            with gr.Column(scale=2):
                viewer = gr.HTML(viewer_iframe(placeholder_html("Click a point of the map to play it."),
                                               VIEWER_HEIGHT, "dataset-viewer-frame"), elem_id="dataset-viewer",
                                 padding=False)
                details = gr.Markdown("", elem_id="dataset-details")
        with gr.Row():
            cosine_hist = gr.Plot(label="cosine", elem_id="dataset-cosine")
            distance_hist = gr.Plot(label="distance", elem_id="dataset-distance")
        table = gr.Dataframe(pd.DataFrame(columns=TABLE_COLUMNS), label="Selection (lasso or box on the map; click "
                             "a row to play it)", interactive=False, elem_id="dataset-table", max_height=300)
        with gr.Row():
            export_button = gr.Button("Export kept ids (.json)", elem_id="dataset-export")
            folder_button = gr.Button("Export kept clips as an InterHuman folder (.zip)",
                                      elem_id="dataset-export-folder")
        export_status = gr.Markdown("", elem_id="dataset-export-status")
        export_file = gr.File(label="Export", interactive=False, elem_id="dataset-export-file")
        payload = gr.Textbox(visible="hidden", elem_id="dataset-payload")
        clicked = gr.Textbox(visible="hidden", elem_id="dataset-clicked")
        selected = gr.Textbox(visible="hidden", elem_id="dataset-selected")

        sliders = [delta, r_min, r_max]
        all_sliders = [*sliders, *extra_sliders]
        loaded = [data, info, scatter, cosine_hist, distance_hist, *sliders, counts, payload, *extra_sliders]
        opened = partial(load_set, SharedSets(roots))
        open_button.click(opened, inputs=[folder, colour_by], outputs=loaded, concurrency_limit=LIGHT_LIMIT,
                          api_name="open_dataset")
        folder.select(opened, inputs=[folder, colour_by], outputs=loaded, concurrency_limit=LIGHT_LIMIT,
                      api_name="open_dataset_on_select", api_visibility="undocumented")
        tab.select(lambda d, f, c: opened(f, c) if d is None and f else [gr.skip()] * len(loaded),
                   inputs=[data, folder, colour_by], outputs=loaded, concurrency_limit=LIGHT_LIMIT,
                   api_name="open_dataset_on_tab", api_visibility="undocumented")
        tab.select(partial(folder_choices, roots), outputs=[folder], show_progress="hidden",
                   api_name="dataset_folders")
        for slider, name in zip(all_sliders, ("delta", "r_min", "r_max", *OPTIONAL_THRESHOLDS), strict=True):
            # dragging: the latest value wins, none piles up
            slider.input(slider_moved, inputs=[data, *sliders, colour_by, *extra_sliders],
                         outputs=[payload, counts, export_status],
                         concurrency_limit=LIGHT_LIMIT, show_progress="hidden", trigger_mode="always_last",
                         api_name=f"dataset_{name}").then(None, inputs=[payload], js=APPLY)
        colour_by.input(recolour_by, inputs=[data, *sliders, colour_by, *extra_sliders], outputs=[scatter],
                        concurrency_limit=LIGHT_LIMIT, api_name="dataset_colour")
        for button, which in ((paper, "paper"), (defaults, "defaults")):
            button.click(partial(preset, which), inputs=[data, colour_by],
                         outputs=[*sliders, payload, counts, *extra_sliders],
                         concurrency_limit=LIGHT_LIMIT, show_progress="hidden", api_name=f"dataset_{which}").then(
                None, inputs=[payload], js=APPLY)
        clicked.change(partial(play, roots), inputs=[data, clicked, *all_sliders], outputs=[viewer, details],
                       concurrency_limit=LIGHT_LIMIT, api_name="dataset_play")
        selected.change(selection_table, inputs=[data, selected, *all_sliders], outputs=[table],
                        concurrency_limit=LIGHT_LIMIT, show_progress="hidden", api_name="dataset_selection")
        table.select(table_pick, inputs=[table], outputs=[clicked], show_progress="hidden",
                     api_name="dataset_row")
        # the files go to the visitor's download folder, kept with its results in the session store
        export_button.click(sessions.bind(export_ids, RESULTS), inputs=[data, *all_sliders],
                            outputs=[export_file, export_status], concurrency_limit=LIGHT_LIMIT,
                            api_name="export_ids")
        folder_button.click(sessions.bind(partial(export_folder, roots), RESULTS), inputs=[data, *all_sliders],
                            outputs=[export_file, export_status], concurrency_limit=LIGHT_LIMIT,
                            api_name="export_folder")
