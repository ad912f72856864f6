"""What a video file holds, checked from outside: its container (by its first bytes) and, decoded by
imageio-ffmpeg's ffmpeg, its frame count and duration. Used to check browser recordings and renders."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # Matroska / WebM


@dataclass(frozen=True)
class VideoFacts:
    container: str        # "mp4", "webm" or "unknown"
    frames: int           # decoded video frames
    seconds: float        # decoded duration (ffmpeg's time at the end of decoding)
    header_seconds: float | None  # the duration the container declares, when it declares one


def container_of(head: bytes) -> str:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(EBML_MAGIC):
        return "webm"
    return "unknown"


def _seconds(text: str) -> float:
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def video_facts(path: str | Path, timeout: float = 120.0) -> VideoFacts:
    """Decode every frame of ``path`` with ffmpeg (nothing written) and report what it held; ValueError
    when ffmpeg cannot decode it."""
    import imageio_ffmpeg

    path = Path(path)
    with open(path, "rb") as handle:
        container = container_of(handle.read(16))
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path),
                             "-map", "0:v:0", "-f", "null", "-"], capture_output=True, text=True, timeout=timeout)
    log = result.stderr
    frames = re.findall(r"frame=\s*(\d+)", log)
    times = re.findall(r"time=\s*(\d+:\d+:\d+(?:\.\d+)?)", log)
    if result.returncode != 0 or not frames or not times:
        raise ValueError(f"ffmpeg cannot decode {path.name}: {log.strip().splitlines()[-1:] or 'no output'}")
    declared = re.search(r"Duration:\s*(\d+:\d+:\d+(?:\.\d+)?)", log)
    return VideoFacts(container, int(frames[-1]), _seconds(times[-1]),
                      _seconds(declared.group(1)) if declared else None)
