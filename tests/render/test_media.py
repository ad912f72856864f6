"""What a video file holds, read from outside: its container and its decoded frames and length."""

from __future__ import annotations

import numpy as np
import pytest

from t2i_core.render.media import container_of, video_facts


def test_containers_are_told_by_their_first_bytes():
    assert container_of(b"\x00\x00\x00\x20ftypisom\x00\x00") == "mp4"
    assert container_of(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81") == "webm"
    assert container_of(b"RIFF....AVI ") == "unknown"


def test_a_written_mp4_is_decoded_to_its_frames_and_length(tmp_path):
    imageio = pytest.importorskip("imageio.v2")
    path = tmp_path / "ten.mp4"
    with imageio.get_writer(path, fps=30, codec="libx264", pixelformat="yuv420p", macro_block_size=16,
                            ffmpeg_log_level="error") as writer:
        for i in range(15):
            writer.append_data(np.full((64, 64, 3), i * 10, dtype=np.uint8))
    facts = video_facts(path)
    assert facts.container == "mp4" and facts.frames == 15
    assert facts.seconds == pytest.approx(0.5, abs=0.05) and facts.header_seconds == pytest.approx(0.5, abs=0.05)


def test_a_file_that_is_not_a_video_is_a_value_error(tmp_path):
    path = tmp_path / "not.mp4"
    path.write_bytes(b"hello")
    with pytest.raises(ValueError, match="cannot decode"):
        video_facts(path)
