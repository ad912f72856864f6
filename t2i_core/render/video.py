"""An MP4 of both persons rendered offscreen with pyrender (EGL; Mesa's llvmpipe on a CPU).

Limbs are cylinders with a sphere at every joint (capsules), the head a larger sphere, on a
checkered floor, one colour per person, seen by a fixed camera framing the whole clip. Encoding
uses imageio-ffmpeg (H.264, yuv420p: plays in every browser).

When OpenGL/EGL cannot start (missing system libraries, no EGL device) ``VideoUnavailableError`` is
raised with the reason and what to install; ``video_unavailable_reason()`` checks ahead of time.

Callers that also run torch should use ``render_video_isolated``: it renders in a child process.
Mesa's llvmpipe brings its own LLVM into the process, and a later import of Triton (which torch
and transformers pull in lazily) then crashes with a segmentation fault; a child process also
keeps a driver crash away from the app. The child is this module's command line:

    python -m t2i_core.render.video MOTION.npz|JOINTS.npy OUT.mp4 [--fps 30] [--size 640x480]
    python -m t2i_core.render.video --check        # prints why video is unavailable, or "ok"
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from t2i_core.children import REPO, child_env
from t2i_core.render.playback import BONE_RADII, HEAD, HEAD_RADIUS, PERSON_COLORS, check_joints
from t2i_core.skeleton import BONES, FPS

UNAVAILABLE_EXIT = 3  # the child's exit status for "OpenGL/EGL cannot run here"
SYSTEM_PACKAGES = "libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri"  # as packages.txt lists them


class VideoUnavailableError(RuntimeError):
    """Offscreen rendering cannot run on this machine; the message says why."""


def _import_pyrender():
    """pyrender with EGL, and the numpy 2 shim it needs (it still uses ``np.infty``)."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    if not hasattr(np, "infty"):
        np.infty = np.inf
    try:
        import pyrender
        import trimesh
    except Exception as error:  # ImportError, or OpenGL failing to find libEGL at import time
        raise VideoUnavailableError(f"pyrender/OpenGL could not be loaded ({_short(error)}); "
                               f"install the system packages {SYSTEM_PACKAGES}") from error
    return pyrender, trimesh


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def _renderer(pyrender, width: int, height: int):
    try:
        return pyrender.OffscreenRenderer(width, height)
    except Exception as error:
        raise VideoUnavailableError(f"no offscreen OpenGL context could be made with PYOPENGL_PLATFORM="
                               f"{os.environ.get('PYOPENGL_PLATFORM')} ({_short(error)}); install the system "
                               f"packages {SYSTEM_PACKAGES}") from error


def _probe() -> str | None:
    """In this process: None when a tiny offscreen render works, else the reason."""
    try:
        pyrender, _ = _import_pyrender()
        renderer = _renderer(pyrender, 16, 16)
        renderer.delete()
    except VideoUnavailableError as error:
        return str(error)
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as error:
        return f"the video encoder is missing ({_short(error)}); pip install imageio-ffmpeg"
    return None


def _child_env() -> dict[str, str]:
    return child_env(PYOPENGL_PLATFORM=os.environ.get("PYOPENGL_PLATFORM", "egl"))


def video_unavailable_reason(timeout: float = 120.0) -> str | None:
    """None when offscreen rendering works here, else the reason (checked in a child process)."""
    try:
        done = subprocess.run([sys.executable, "-m", "t2i_core.render.video", "--check"], capture_output=True,
                              text=True, timeout=timeout, env=_child_env(), cwd=REPO)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"the renderer could not be started ({_short(error)})"
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines and lines[-1] == "ok":
        return None
    tail = (done.stdout + done.stderr).strip().splitlines()
    return tail[-1] if tail else f"the renderer exited with status {done.returncode}"


def render_video_isolated(joints: np.ndarray, path: str | Path, fps: int = FPS, size: tuple[int, int] = (640, 480),
                          progress: Callable[[int, int], None] | None = None, timeout: float = 1800.0) -> Path:
    """``render_video`` in a child process (see the module's notes); same arguments and errors."""
    joints = check_joints(joints)
    width, height = (int(v) for v in size)
    if width % 16 or height % 16:
        raise ValueError(f"width and height must be multiples of 16, got {width}x{height}")
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="t2i-video-") as tmp:
        source = Path(tmp) / "joints.npy"
        np.save(source, joints)
        with open(Path(tmp) / "stderr.txt", "w+") as errors:
            child = subprocess.Popen(
                [sys.executable, "-m", "t2i_core.render.video", str(source), str(path), "--fps", str(int(fps)),
                 "--size", f"{width}x{height}"],
                stdout=subprocess.PIPE, stderr=errors, text=True, env=_child_env(), cwd=REPO)
            try:
                for line in child.stdout:
                    parts = line.split()
                    if len(parts) == 3 and parts[0] == "frame" and progress is not None:
                        progress(int(parts[1]), int(parts[2]))
                child.wait(timeout=timeout)
            except BaseException:
                child.kill()
                child.wait()
                raise
            errors.seek(0)
            lines = errors.read().strip().splitlines()
    if child.returncode == UNAVAILABLE_EXIT:
        raise VideoUnavailableError(lines[-1] if lines else "offscreen OpenGL is unavailable")
    if child.returncode != 0:
        detail = lines[-1] if lines else f"exit status {child.returncode}"
        raise RuntimeError(f"the video renderer failed: {detail}")
    return path


def _hex_rgba(color: str) -> list[float]:
    value = int(color.lstrip("#"), 16)
    return [((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255, 1.0]


def _segment_pose(a: np.ndarray, b: np.ndarray, radius: float) -> np.ndarray:
    """4x4 pose of a unit cylinder (axis +Z, height 1, radius 1) spanning a -> b with ``radius``."""
    axis = b - a
    length = float(np.linalg.norm(axis))
    z = axis / length if length > 1e-9 else np.array([0.0, 0.0, 1.0])
    helper = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2] = x * radius, y * radius, z * max(length, 1e-6)
    pose[:3, 3] = (a + b) / 2
    return pose


def _sphere_pose(centre: np.ndarray, radius: float) -> np.ndarray:
    pose = np.diag([radius, radius, radius, 1.0])
    pose[:3, 3] = centre
    return pose


def _look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    forward = target - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, up, -forward, eye
    return pose


def _floor_mesh(trimesh, pyrender, centre: np.ndarray, half: float, floor: float, tile: float = 0.5):
    count = max(2, int(np.ceil(2 * half / tile)))
    boxes = []
    start = centre - count * tile / 2
    for i in range(count):
        for k in range(count):
            box = trimesh.creation.box(extents=(tile, 0.01, tile))
            box.apply_translation((start[0] + (i + 0.5) * tile, floor - 0.005, start[1] + (k + 0.5) * tile))
            shade = 200 if (i + k) % 2 == 0 else 168
            box.visual.face_colors = [shade, shade, shade + 8, 255]
            boxes.append(box)
    return pyrender.Mesh.from_trimesh(trimesh.util.concatenate(boxes), smooth=False)


def _camera_yaw(joints: np.ndarray) -> float:
    """Look across the line between the persons' mean pelvis (as the browser viewer does)."""
    if joints.shape[0] < 2:
        return 0.6
    a, b = joints[0, :, 0][:, [0, 2]].mean(0), joints[1, :, 0][:, [0, 2]].mean(0)
    dx, dz = b - a
    return float(np.arctan2(dx, dz) + np.pi / 2 - 0.35) if np.hypot(dx, dz) > 0.05 else 0.6


def render_video(joints: np.ndarray, path: str | Path, fps: int = FPS, size: tuple[int, int] = (640, 480),
                 progress: Callable[[int, int], None] | None = None) -> Path:
    """Render persons' joints (P, T, 22, 3) to an MP4 at ``path``; ``progress(done, total)`` per frame."""
    joints = check_joints(joints)
    width, height = (int(v) for v in size)
    if width % 16 or height % 16:
        raise ValueError(f"width and height must be multiples of 16, got {width}x{height}")
    import imageio.v2 as imageio

    pyrender, trimesh = _import_pyrender()
    persons, frames = joints.shape[:2]
    floor = float(joints[..., 1].min())
    xz = joints[..., [0, 2]].reshape(-1, 2)
    low, high = xz.min(0), xz.max(0)
    centre = (low + high) / 2
    extent = float(max(high[0] - low[0], high[1] - low[1], 1.5))

    scene = pyrender.Scene(bg_color=[0.93, 0.95, 0.98, 1.0], ambient_light=[0.35, 0.35, 0.38])
    scene.add(_floor_mesh(trimesh, pyrender, centre, extent / 2 + 1.5, floor))
    cylinder = trimesh.creation.cylinder(radius=1.0, height=1.0, sections=20)
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
    nodes = []
    for p in range(persons):
        material = pyrender.MetallicRoughnessMaterial(baseColorFactor=_hex_rgba(PERSON_COLORS[p % len(PERSON_COLORS)]),
                                                      metallicFactor=0.0, roughnessFactor=0.6)
        limb = pyrender.Mesh.from_trimesh(cylinder, material=material)
        ball = pyrender.Mesh.from_trimesh(sphere, material=material)
        limbs = [scene.add(limb, pose=np.eye(4)) for _ in BONES]
        balls = [scene.add(ball, pose=np.eye(4)) for _ in BONES]
        head = scene.add(ball, pose=np.eye(4))
        nodes.append((limbs, balls, head))

    target = np.array([centre[0], floor + 0.9, centre[1]])
    distance = 2.2 + extent * 1.25
    yaw, pitch = _camera_yaw(joints), 0.32
    eye = target + distance * np.array([np.cos(pitch) * np.sin(yaw), np.sin(pitch), np.cos(pitch) * np.cos(yaw)])
    camera_pose = _look_at(eye, target)
    scene.add(pyrender.PerspectiveCamera(yfov=np.radians(40), aspectRatio=width / height), pose=camera_pose)
    scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=3.0),
              pose=_look_at(eye + np.array([1.5, 3.0, 0.5]), target))

    renderer = _renderer(pyrender, width, height)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".mp4", dir=path.parent)
    os.close(fd)
    try:
        writer = imageio.get_writer(tmp, fps=fps, codec="libx264", pixelformat="yuv420p", quality=7,
                                    macro_block_size=16, ffmpeg_log_level="error")
        try:
            for f in range(frames):
                for p, (limbs, balls, head) in enumerate(nodes):
                    for b, (parent, child) in enumerate(BONES):
                        a, c = joints[p, f, parent], joints[p, f, child]
                        scene.set_pose(limbs[b], _segment_pose(a, c, BONE_RADII[b]))
                        scene.set_pose(balls[b], _sphere_pose(c, BONE_RADII[b]))
                    neck_to_head = joints[p, f, HEAD] - joints[p, f, 12]
                    direction = neck_to_head / max(float(np.linalg.norm(neck_to_head)), 1e-6)
                    scene.set_pose(head, _sphere_pose(joints[p, f, HEAD] + 0.04 * direction, HEAD_RADIUS))
                color, _ = renderer.render(scene)
                writer.append_data(color)
                if progress is not None:
                    progress(f + 1, frames)
        finally:
            writer.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        renderer.delete()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render a two-person motion to MP4 (pyrender, offscreen).")
    parser.add_argument("motion", nargs="?", type=Path, help=".npz with 'joints' (the app's download) or .npy joints")
    parser.add_argument("out", nargs="?", type=Path, help="output .mp4")
    parser.add_argument("--fps", type=int, default=FPS)
    parser.add_argument("--size", default="640x480", help="WIDTHxHEIGHT, multiples of 16 (default 640x480)")
    parser.add_argument("--check", action="store_true", help="only say whether rendering works here")
    args = parser.parse_args(argv)
    if args.check:
        reason = _probe()
        print(reason or "ok")
        return 0 if reason is None else UNAVAILABLE_EXIT
    if args.motion is None or args.out is None:
        parser.error("give the motion file and the output .mp4 (or --check)")
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
        if args.motion.suffix == ".npz":
            with np.load(args.motion, allow_pickle=False) as data:
                joints = data["joints"]
        else:
            joints = np.load(args.motion, allow_pickle=False)
        if joints.ndim == 5:  # several samples: the first
            joints = joints[0]
        render_video(joints, args.out, args.fps, (width, height),
                     progress=lambda done, total: print(f"frame {done} {total}", flush=True))
    except VideoUnavailableError as error:
        print(error, file=sys.stderr)
        return UNAVAILABLE_EXIT
    except (ValueError, KeyError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
