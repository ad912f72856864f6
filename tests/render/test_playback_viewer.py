import json
import re

import numpy as np
import pytest

from t2i_core.render.playback import joints_from_playback, playback_data, playback_json
from t2i_core.render.viewer import placeholder_html, viewer_html, viewer_iframe


def pair(frames: int = 12) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(0, 1, (2, frames, 22, 3)) + np.array([0.0, 1.0, 0.0])


def test_playback_is_compact_millimetres_with_bones_colours_and_fps():
    joints = pair()
    data = playback_data(joints, title="hello")
    assert data["fps"] == 30 and data["frames"] == 12 and len(data["bones"]) == 21 and len(data["radii"]) == 21
    assert data["persons"][0]["color"] != data["persons"][1]["color"]
    assert all(isinstance(v, int) for v in data["persons"][0]["joints"][:66])
    assert np.abs(joints_from_playback(data) - joints).max() <= 0.0005 + 1e-12
    assert data["floor"] == pytest.approx(joints[..., 1].min(), abs=1e-3)
    text = playback_json(joints)
    assert ", " not in text and ": " not in text and json.loads(text)["frames"] == 12


@pytest.mark.parametrize("bad", [np.zeros((2, 5, 21, 3)), np.full((2, 5, 22, 3), np.nan), np.zeros((2, 0, 22, 3))])
def test_bad_joints_are_refused(bad):
    with pytest.raises(ValueError):
        playback_data(bad)


def test_viewer_page_is_self_contained_and_safe():
    page = viewer_html(playback_data(pair(), title="</script><script>alert(1)</script>"))
    assert "__PLAYBACK_DATA__" not in page and "__OPTIONS__" not in page
    assert page.count("</script>") == 1  # the title cannot close the script element
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from anywhere
    assert "requestAnimationFrame" in page and "data-frame" in page
    empty = placeholder_html("Nothing yet")
    assert "Nothing yet" in empty and "null;" in empty
    frame = viewer_iframe(page, 300, "v")
    assert frame.startswith('<iframe id="v"') and "srcdoc=" in frame and "<script>" not in frame
