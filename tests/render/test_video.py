"""The MP4 renderer, always through its child process: Mesa's LLVM must never load into pytest's process,
where a later import of Triton (via torch/transformers) would then crash."""

import os
import sys

import numpy as np
import pytest

from t2i_core.render.video import VideoUnavailableError, render_video_isolated, video_unavailable_reason


@pytest.fixture(scope="module")
def available():
    reason = video_unavailable_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"video rendering unavailable in CI: {reason}")
        pytest.skip(f"video rendering unavailable: {reason}")


def test_renders_an_mp4_with_every_frame(available, tmp_path):
    import imageio.v2 as imageio

    rng = np.random.default_rng(0)
    joints = np.cumsum(rng.normal(0, 0.01, (2, 6, 22, 3)), axis=1) + np.array([0.0, 1.0, 0.0])
    joints[1, ..., 0] += 1.0
    calls = []
    path = render_video_isolated(joints, tmp_path / "clip.mp4", size=(160, 128),
                                 progress=lambda d, t: calls.append((d, t)))
    reader = imageio.get_reader(path)
    try:
        frames = list(reader.iter_data())
    finally:
        reader.close()
    assert len(frames) == 6 and frames[0].shape == (128, 160, 3)
    assert frames[0].std() > 5  # something was drawn
    assert calls == [(i, 6) for i in range(1, 7)]
    assert not list(tmp_path.glob(".*.mp4"))
    assert not any("swrast" in name or "llvmpipe" in name for name in _loaded_libraries())


def _loaded_libraries() -> list[str]:
    try:
        with open(f"/proc/{os.getpid()}/maps") as maps:
            return [line.split()[-1] for line in maps if "/" in line]
    except OSError:
        return []


def test_a_missing_opengl_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PYOPENGL_PLATFORM", "no-such-platform")
    reason = video_unavailable_reason()
    assert reason is not None and "install the system packages" in reason
    with pytest.raises(VideoUnavailableError, match="install the system packages"):
        render_video_isolated(np.zeros((2, 2, 22, 3)), tmp_path / "never.mp4", size=(64, 64))
    assert not (tmp_path / "never.mp4").exists()


def test_bad_sizes_and_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="multiples of 16"):
        render_video_isolated(np.zeros((2, 2, 22, 3)), tmp_path / "x.mp4", size=(100, 100))
    (tmp_path / "m.npz").write_bytes(b"not an npz")
    import subprocess

    done = subprocess.run([sys.executable, "-m", "t2i_core.render.video", str(tmp_path / "m.npz"),
                           str(tmp_path / "o.mp4")], capture_output=True, text=True)
    assert done.returncode == 2 and "error:" in done.stderr
