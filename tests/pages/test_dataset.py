"""The Data set page in a real browser: live thresholds recolour the map, a click plays, exports, refusals."""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from pages.common import Session
from pages.dataset import (
    REAL_COLOR,
    STATUS_COLORS,
    STATUS_LABELS,
    THEME_COLORS,
    SharedSets,
    export_ids,
    load_set,
    preset,
    selection_table,
    slider_moved,
)
from t2i_core.compose.filters import (
    ALL_STATUSES,
    DEFAULT_DELTA,
    IMPLAUSIBLE,
    LOW_PERSON_COSINE,
    OPTIONAL_THRESHOLDS,
    STATUSES,
    Thresholds,
    status_codes,
)
from t2i_core.roots import REFUSED, DataRoots
from tests.fixtures import build_compose_output
from tests.pages.conftest import TIMEOUT, screenshot

MAP = "document.querySelector('#dataset-map .js-plotly-plot')"


def open_set(page, name: str) -> None:
    if not page.locator("#dataset-folder").is_visible():
        page.get_by_role("tab", name="Data set").click()  # opens the shipped demo set: let it land first
        expect(page.locator("#dataset-info")).to_contain_text("candidates", timeout=TIMEOUT)
    box = page.locator("#dataset-folder input").first
    box.fill(name)
    box.press("Enter")
    page.locator("#dataset-open").click()


def colours(page) -> list[str]:
    return page.evaluate(f"{MAP}.data[1].marker.color")


def counts(page) -> dict[str, int]:
    cells = page.locator("#dataset-counts-table td")
    return {cells.nth(i).get_attribute("data-status"): int(cells.nth(i).locator("b").inner_text().replace(",", ""))
            for i in range(cells.count())}


def set_delta(page, value: str) -> None:
    box = page.locator("#dataset-delta input[type=number]")
    box.fill(value)
    box.press("Enter")


def shown_colours(page) -> list:
    """The synthetic points' colours as plotly draws them (``_fullData``: numbers decoded from bdata)."""
    return page.evaluate(f"Array.from({MAP}._fullData[1].marker.color)")


def point_position(page, trace: int, index: int) -> tuple[float, float]:
    """Where a point of the map is on the screen, the map scrolled into view (the mouse works in the viewport)."""
    page.evaluate(f"{MAP}.scrollIntoView({{block: 'center'}})")
    x, y = page.evaluate(f"""([trace, i]) => {{
        const gd = {MAP}, full = gd._fullLayout, rect = gd.getBoundingClientRect();
        return [rect.left + full._size.l + full.xaxis.d2p(gd._fullData[trace].x[i]),
                rect.top + full._size.t + full.yaxis.d2p(gd._fullData[trace].y[i])];
    }}""", [trace, index])
    page.mouse.move(x - 4, y - 4)
    page.mouse.move(x, y)  # plotly picks the clicked point from the hover under the mouse
    time.sleep(0.3)
    return x, y


def kept_green_pixels(page) -> int:
    """Pixels of the map's picture in the kept points' green (drawn at opacity 0.85 on white)."""
    picture = Image.open(io.BytesIO(page.locator("#dataset-map .js-plotly-plot").screenshot())).convert("RGB")
    green = np.array([int(STATUS_COLORS["kept"][i:i + 2], 16) for i in (1, 3, 5)])
    drawn = 0.85 * green + 0.15 * 255
    return int((np.abs(np.asarray(picture, dtype=np.float64) - drawn).max(axis=-1) < 24).sum())


def test_delta_recolours_and_a_click_plays(page, shots, data_root, compose_folder):
    open_set(page, f"{data_root.name}/compose")
    expect(page.locator("#dataset-info")).to_contain_text("feedc0ffee", timeout=TIMEOUT)
    page.wait_for_function(f"{MAP} && {MAP}.data && {MAP}.data.length > 1", timeout=TIMEOUT)
    time.sleep(1.0)  # the Open click's reply resets the sliders to the run's defaults
    before, before_colours, before_green = counts(page), colours(page), kept_green_pixels(page)
    # The fixture's defaults: delta 0.5, radii 0.2-1.0 -> 6 kept of 12 (one unsplittable).
    assert before["kept"] == 6 and before["unsplittable"] == 1, before
    assert sum(before.values()) == 12

    set_delta(page, "0.75")
    expect(page.locator("#dataset-counts-table td[data-status=kept] b")).not_to_have_text("6", timeout=TIMEOUT)
    page.wait_for_function(f"Number({MAP}.dataset.recoloured || 0) >= 1", timeout=TIMEOUT)
    after, after_colours = counts(page), colours(page)
    assert after["kept"] < before["kept"] and after["low_cosine"] > before["low_cosine"], (before, after)
    assert after_colours != before_colours
    assert after_colours.count("#16a34a") == after["kept"]  # kept points are green
    assert kept_green_pixels(page) < 0.6 * before_green  # and the picture shows it
    screenshot(page, shots, "dataset_delta")

    # A real click on a point of the WebGL map hands its id to the server, which plays it.
    page.mouse.click(*point_position(page, 1, 5))
    expect(page.locator("#dataset-details")).to_contain_text("c0000005", timeout=TIMEOUT)
    expect(page.locator("#dataset-details")).to_contain_text("person 1: a person waves")
    frames = page.frame_locator("#dataset-viewer-frame").locator("body")
    expect(frames).to_have_attribute("data-frames", "30", timeout=TIMEOUT)
    # A real clip's point (its folder lies inside the root) plays too.
    page.mouse.click(*point_position(page, 0, 1))
    expect(page.locator("#dataset-details")).to_contain_text("Real clip r1", timeout=TIMEOUT)
    expect(frames).to_have_attribute("data-frames", "59", timeout=TIMEOUT)  # the fixture: 60 raw frames

    # A lasso drawn with the mouse around the whole map lists the synthetic points that have a place on it.
    left, top, right, bottom = page.evaluate(f"""() => {{ const gd = {MAP}, size = gd._fullLayout._size;
        const rect = gd.getBoundingClientRect(), x = rect.left + size.l, y = rect.top + size.t;
        return [x + 2, y + 2, x + size.w - 2, y + size.h - 2]; }}""")
    page.mouse.move(left, top)
    page.mouse.down()
    for x, y in ((right, top), (right, bottom), (left, bottom), (left, top + 4)):
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    table = page.locator("#dataset-table")
    expect(table).to_contain_text("c0000000", timeout=TIMEOUT)
    handed = page.locator("#dataset-selected textarea, #dataset-selected input").first.input_value()
    candidates = [i for i in handed.split("|")[0].split(",") if not i.startswith("r:")]
    assert candidates == [f"c{i:07d}" for i in range(12) if i != 2]  # candidate 2 has no place on the map
    assert "r:" not in table.inner_text() and "c0000002" not in table.inner_text()
    assert str(data_root) not in page.content()


def choose_colouring(page, colouring: str, palette: list[str] | None = None) -> list:
    """Pick a colouring and wait for the map to show it: a colour bar titled so, or only ``palette``'s colours."""
    page.locator("#dataset-colour").get_by_label(colouring, exact=True).check()
    page.wait_for_function(f"""([name, palette]) => {{ const marker = {MAP}._fullData[1].marker;
        if (!palette) return Boolean(marker.colorbar && marker.colorbar.title.text === name);
        return marker.colorbar === undefined && Array.from(marker.color).every((c) => palette.includes(c)); }}""",
                           arg=[colouring, palette], timeout=TIMEOUT)
    return shown_colours(page)


def test_each_colouring_recolours_the_map(page, data_root, compose_folder):
    open_set(page, f"{data_root.name}/compose")
    expect(page.locator("#dataset-info")).to_contain_text("feedc0ffee", timeout=TIMEOUT)
    page.wait_for_function(f"{MAP} && {MAP}._fullData && {MAP}._fullData.length > 1", timeout=TIMEOUT)
    time.sleep(1.0)  # the Open click's reply resets the sliders to the run's defaults
    statuses = list(STATUS_COLORS.values())
    assert shown_colours(page).count(STATUS_COLORS["kept"]) == 6

    themed = choose_colouring(page, "theme", list(THEME_COLORS[:2]))  # two themes: greeting and dance alternate
    assert themed[0::2] == [themed[0]] * 6 and themed[1::2] == [themed[1]] * 6 and themed[0] != themed[1]
    # The fixture: cosine 0.3 + 0.05 i and distance 0.1 (i + 1); candidate 2 has none (shown at the minimum).
    cosine = [0.3 + 0.05 * i for i in range(12)]
    distance = [0.1 * (i + 1) for i in range(12)]
    cosine[2], distance[2] = cosine[0], distance[0]
    for colouring, values in (("cosine", cosine), ("distance", distance)):
        assert np.allclose(choose_colouring(page, colouring), values, atol=1e-3), colouring
    assert "Cannot" not in page.locator("#dataset-info").inner_text()

    # Under the theme colours a slider move updates the counts and leaves the colours alone.
    themed = choose_colouring(page, "theme", list(THEME_COLORS[:2]))
    set_delta(page, "0.75")
    expect(page.locator("#dataset-counts-table td[data-status=kept] b")).not_to_have_text("6", timeout=TIMEOUT)
    time.sleep(0.5)
    assert shown_colours(page) == themed
    # Back to the statuses: coloured by the sliders as they stand now, not by the run's defaults.
    kept = counts(page)["kept"]
    assert choose_colouring(page, "status", statuses).count(STATUS_COLORS["kept"]) == kept


def test_export_writes_ids_and_thresholds(page, data_root, compose_folder, tmp_path):
    open_set(page, f"{data_root.name}/compose")
    expect(page.locator("#dataset-info")).to_contain_text("feedc0ffee", timeout=TIMEOUT)
    time.sleep(1.0)  # the Open click's reply resets the sliders to the run's defaults
    set_delta(page, "0.7")
    expect(page.locator("#dataset-counts-table td[data-status=kept] b")).not_to_have_text("6", timeout=TIMEOUT)
    kept = counts(page)["kept"]
    page.locator("#dataset-export").click()
    expect(page.locator("#dataset-export-status")).to_contain_text("kept ids", timeout=TIMEOUT)
    with page.expect_download() as download:
        page.locator("#dataset-export-file a").first.click()
    payload = json.loads(download.value.path().read_text())
    assert payload["set_id"] == "feedc0ffee" and payload["thresholds"]["delta"] == 0.7
    assert payload["thresholds"]["r_min"] == 0.2 and payload["thresholds"]["r_max"] == 1.0
    assert len(payload["kept"]) == kept and all(i.startswith("c") for i in payload["kept"])

    page.locator("#dataset-export-folder").click()
    expect(page.locator("#dataset-export-status")).to_contain_text("InterHuman's layout", timeout=TIMEOUT)
    with page.expect_download() as download:
        page.locator("#dataset-export-file a").first.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        train = next(n for n in names if n.endswith("split/train.txt"))
        assert archive.read(train).decode().split() == payload["kept"]
    assert sum(n.endswith(".npy") for n in names) == 2 * kept


def test_places_outside_the_roots_are_refused(page, data_root, tmp_path):
    replies = []
    for escape in ("/etc", str(tmp_path), "~", f"{data_root.name}/../", "/proc/self/cwd", f"{data_root.name}/nope"):
        open_set(page, escape)
        expect(page.locator("#dataset-info")).to_contain_text(REFUSED, timeout=TIMEOUT)
        replies.append(page.locator("#dataset-info").inner_text())
        open_set(page, f"{data_root.name}/compose")  # another reply between, so each refusal is seen arriving
        expect(page.locator("#dataset-info")).to_contain_text("feedc0ffee", timeout=TIMEOUT)
    assert len(set(replies)) == 1 and str(data_root) not in replies[0]


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def test_real_clips_and_every_status_have_colours_far_apart():
    assert set(STATUS_COLORS) == set(STATUS_LABELS) == set(ALL_STATUSES)
    # the real clips were the same grey as the unsplittable candidates
    for status, colour in STATUS_COLORS.items():
        assert np.linalg.norm(rgb(colour) - rgb(REAL_COLOR)) > 100, status
    for i, first in enumerate(ALL_STATUSES):
        for second in ALL_STATUSES[i + 1:]:
            assert np.linalg.norm(rgb(STATUS_COLORS[first]) - rgb(STATUS_COLORS[second])) > 110, (first, second)


def opened(tmp_path, defaults=None, filters=False):
    build_compose_output(tmp_path / "compose", tmp_path / "real", defaults=defaults, filters=filters)
    return load_set(SharedSets(DataRoots.from_operator([tmp_path])), f"{tmp_path.name}/compose", "status")


def shown_counts(html: str) -> dict[str, int]:
    cells = html.split("</tr>")[0].split('<td data-status="')[1:]
    return {c.split('"')[0]: int(c.split("<b>")[1].split("</b>")[0].replace(",", "")) for c in cells}


def expected_counts(data, **thresholds) -> dict[str, int]:
    """What the compose side's filter decides (``status_codes``) over the page's stored columns."""
    codes = status_codes(data.cosine, data.distance, data.has_motion, Thresholds(**{"k": data.k, **thresholds}),
                         data.candidates[["person1_cosine", "person2_cosine"]].to_numpy(),
                         {m: data.candidates[m].to_numpy() for m in ("penetration", "jitter", "foot_skating")})
    return {s: int((codes == ALL_STATUSES.index(s)).sum()) for s in ALL_STATUSES}


def test_person_and_physical_filters_have_sliders_statuses_and_exports(tmp_path):
    outputs = opened(tmp_path, filters=True)
    data, counts_shown, payload = outputs[0], shown_counts(outputs[8]), json.loads(outputs[9])
    extra = dict(zip(OPTIONAL_THRESHOLDS, outputs[10:], strict=True))
    assert all(update["visible"] for update in extra.values())
    # Ranges from the data and the real percentiles; "off" one step beyond: the per-person δ's left end,
    # a limit's right end (jitter: the largest value 6.5 and the real p99 9.0 -> 9.0 * 1.05 rounded up + a step).
    assert extra["person_delta"]["minimum"] == -0.01 and extra["person_delta"]["maximum"] == 1.0
    assert extra["max_jitter"]["maximum"] == 9.47 and extra["max_penetration"]["maximum"] == 0.212
    # The run's defaults (FILTERED_DEFAULTS): person δ 0.3, jitter at most 5, the two others off.
    assert [extra[n]["value"] for n in OPTIONAL_THRESHOLDS] == [0.3, 0.212, 5.0, 0.316]
    run = {"delta": 0.5, "r_min": 0.2, "r_max": 1.0, "person_delta": 0.3, "max_jitter": 5.0}
    assert counts_shown == expected_counts(data, **run)
    assert counts_shown[LOW_PERSON_COSINE] > 0 and counts_shown[IMPLAUSIBLE] > 0
    # The page's script colours point i with palette[code i]: the palette is indexed by the status code.
    codes = [ord(c) - 48 for c in payload["codes"]]
    assert [payload["palette"][c] for c in codes] == [STATUS_COLORS[ALL_STATUSES[c]] for c in codes]
    assert {ALL_STATUSES[c] for c in codes} >= {LOW_PERSON_COSINE, IMPLAUSIBLE}

    # Moving each new slider re-decides the counts as the filter does; its off end turns it off.
    moves = [({"person_delta": 0.45}, (0.45, 0.212, 5.0, 0.316)), ({"person_delta": None}, (-0.01, 0.212, 5.0, 0.316)),
             ({"max_penetration": 0.05}, (0.3, 0.05, 5.0, 0.316)), ({"max_jitter": None}, (0.3, 0.212, 9.47, 0.316)),
             ({"max_foot_skating": 0.1}, (0.3, 0.212, 5.0, 0.1))]
    seen = set()
    for change, sliders in moves:
        payload, counts_html, _ = slider_moved(data, 0.5, 0.2, 1.0, "status", *sliders)
        expected = expected_counts(data, **{**run, **change})
        assert shown_counts(counts_html) == expected, change
        assert {k: v for k, v in json.loads(payload)["lines"].items() if k in change} == change
        seen.add(tuple(expected.values()))
    assert len(seen) == len(moves)  # each move changed the counts

    # Presets: the paper's values turn the new filters off; the run's defaults bring them back.
    paper = preset("paper", data, "status")
    assert [u["value"] for u in paper[5:]] == [-0.01, 0.212, 9.47, 0.316]
    assert shown_counts(paper[4]) == expected_counts(data, delta=DEFAULT_DELTA, r_min=0.2, r_max=1.0)
    assert shown_counts(paper[4])[LOW_PERSON_COSINE] == shown_counts(paper[4])[IMPLAUSIBLE] == 0
    assert [u["value"] for u in preset("defaults", data, "status")[5:]] == [0.3, 0.212, 5.0, 0.316]

    # The table names the new statuses; the export holds the new thresholds and counts.
    picked = ",".join(data.candidates["id"]) + "|1"
    table = selection_table(data, picked, 0.5, 0.2, 1.0, 0.3, 0.212, 5.0, 0.316)
    assert {STATUS_LABELS[LOW_PERSON_COSINE], STATUS_LABELS[IMPLAUSIBLE]} <= set(table["status"])
    session = Session(folder=tmp_path)
    path, _ = export_ids(session, data, 0.5, 0.2, 1.0, 0.45, 0.05, 9.47, 0.316)
    exported = json.loads(Path(path).read_text())
    assert exported["thresholds"] == {"delta": 0.5, "r_min": 0.2, "r_max": 1.0, "k": 3, "person_delta": 0.45,
                                      "max_penetration": 0.05, "max_jitter": None, "max_foot_skating": None}
    expected = expected_counts(data, **{**run, "person_delta": 0.45, "max_penetration": 0.05, "max_jitter": None})
    assert exported["counts"] == expected and len(exported["kept"]) == expected["kept"]


def test_an_output_without_the_new_columns_shows_no_new_slider(tmp_path):
    outputs = opened(tmp_path)
    data = outputs[0]
    assert [u["visible"] for u in outputs[10:]] == [False] * len(OPTIONAL_THRESHOLDS)
    assert list(shown_counts(outputs[8])) == list(STATUSES)
    # The hidden sliders' values (whatever they hold) change nothing.
    plain = slider_moved(data, 0.6, 0.2, 1.0, "status")
    assert slider_moved(data, 0.6, 0.2, 1.0, "status", 0.9, 0.0, 0.0, 0.0)[:2] == plain[:2]
    assert json.loads(plain[0])["lines"]["person_delta"] is None


def test_thresholds_are_shown_rounded_to_the_sliders_steps(tmp_path):
    outputs = opened(tmp_path, {"delta": 0.5812345, "r_min": 0.14091351844254357, "r_max": 0.7129874, "k": 3})
    data, delta, r_min, r_max = outputs[0], outputs[5], outputs[6], outputs[7]
    assert (delta["value"], r_min["value"], r_max["value"]) == (0.58, 0.141, 0.713)
    assert data.defaults.r_min == 0.14091351844254357  # the run's own value is kept; only the page rounds
    # the counts follow the values shown, not the run's unrounded ones
    kept = int(((data.cosine >= 0.58) & (data.distance >= 0.141) & (data.distance <= 0.713)).sum())
    assert f"<b>{kept:,}</b>" in outputs[8].split('data-status="kept"')[1].split("</td>")[0]
    for which in ("paper", "defaults"):
        values = [update["value"] for update in preset(which, data, "status")[:3]]
        assert all(len(repr(v).split(".")[1]) <= 3 for v in values), values


def test_the_page_says_when_paper_values_and_run_defaults_are_the_same(tmp_path):
    same = opened(tmp_path / "a", {"delta": DEFAULT_DELTA, "r_min": 0.2, "r_max": 1.0, "k": 3})
    assert '"Paper values" and "Run defaults" set the same thresholds' in same[1]
    assert [u["value"] for u in preset("paper", same[0], "status")[:3]] == \
        [u["value"] for u in preset("defaults", same[0], "status")[:3]]
    different = opened(tmp_path / "b")  # the fixture's run used delta 0.5
    assert "same thresholds" not in different[1]
    assert preset("paper", different[0], "status")[0]["value"] == DEFAULT_DELTA
    assert preset("defaults", different[0], "status")[0]["value"] == 0.5


def test_person_delta_slider_recolours_and_old_outputs_hide_it(page, data_root, compose_folder):
    filtered = build_compose_output(data_root / "filtered_compose", data_root / "filtered_compose_real", filters=True)
    try:
        person = page.locator("#dataset-person-delta")
        open_set(page, f"{data_root.name}/filtered_compose")
        expect(person).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#dataset-max-jitter")).to_be_visible()
        expect(page.locator("#dataset-counts-table td[data-status=low_person_cosine]")).to_be_visible()
        page.wait_for_function(f"{MAP} && {MAP}.data && {MAP}.data.length > 1", timeout=TIMEOUT)
        time.sleep(1.0)  # the Open click's reply sets the sliders to the run's defaults
        before = counts(page)
        box = person.locator("input[type=number]")
        box.fill("0.45")
        box.press("Enter")
        cell = page.locator("#dataset-counts-table td[data-status=low_person_cosine] b")
        expect(cell).not_to_have_text(str(before[LOW_PERSON_COSINE]), timeout=TIMEOUT)
        after = counts(page)
        assert after[LOW_PERSON_COSINE] > before[LOW_PERSON_COSINE], (before, after)
        # the map's points in the new status's colour, as many as the counts say
        page.wait_for_function(f"([colour, n]) => Array.from({MAP}.data[1].marker.color).filter((c) => c === colour)"
                               ".length === n", arg=[STATUS_COLORS[LOW_PERSON_COSINE], after[LOW_PERSON_COSINE]],
                               timeout=TIMEOUT)
        # An output made before these filters: no new slider, the paper's five statuses only.
        open_set(page, f"{data_root.name}/compose")
        page.wait_for_function(f"{MAP} && {MAP}.layout.title.text.startsWith('{data_root.name}/compose:')",
                               timeout=TIMEOUT)
        expect(person).to_be_hidden(timeout=TIMEOUT)
        expect(page.locator("#dataset-counts-table td[data-status=low_person_cosine]")).to_have_count(0)
        assert list(counts(page)) == list(STATUSES)
    finally:
        shutil.rmtree(filtered, ignore_errors=True)  # other pages' tests list the root's folders
        shutil.rmtree(data_root / "filtered_compose_real", ignore_errors=True)
