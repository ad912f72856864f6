"""Contact sheet of a data set in InterHuman layout: several frames per clip, caption underneath.

    python -m training.gallery --data DIR --out FILE.png --n 12 [--split test] [--frames 6]

Reads the raw Z-up files back through ``split_raw`` (so it shows what a reader sees), draws both
persons as stick figures (person 1 blue, person 2 orange) over a floor grid from a camera placed
side-on to the pair, and writes one PNG. Drawing uses Pillow only.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from t2i_core.data.layout import InterHumanLayout
from t2i_core.motion.raw import split_raw
from t2i_core.skeleton import BONES, FPS

COLOURS = ((40, 110, 220), (235, 120, 30))
PANEL = 230
CAPTION_LINES = 3


def _font(size: int) -> ImageFont.ImageFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


class Camera:
    """Perspective camera looking at ``target`` from a yaw angle, 20 degrees above the horizon."""

    def __init__(self, target: np.ndarray, yaw: float, distance: float, size: int, focal: float | None = None):
        elev = np.radians(20.0)
        back = np.array([np.sin(yaw) * np.cos(elev), np.sin(elev), np.cos(yaw) * np.cos(elev)])
        self.target = target
        self.eye = target + distance * back
        self.forward = -back
        self.right = np.cross(self.forward, [0.0, 1.0, 0.0])
        self.right /= np.linalg.norm(self.right)
        self.up = np.cross(self.right, self.forward)
        self.focal = size * 1.6 if focal is None else focal
        self.size = size

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rel = points - self.eye
        depth = rel @ self.forward
        x = rel @ self.right / np.maximum(depth, 1e-3)
        y = rel @ self.up / np.maximum(depth, 1e-3)
        return np.stack([self.size / 2 + self.focal * x, self.size * 0.55 - self.focal * y], axis=-1), depth


def clip_camera(people: list[np.ndarray], size: int) -> Camera:
    """A camera from the side of the pair: the yaw that keeps the two persons furthest apart on
    screen over the clip, far enough to fit everything."""
    pelvis = [p[:, 0] for p in people]
    axis = pelvis[1] - pelvis[0]
    best, yaw = -1.0, 0.0
    for cand in np.linspace(0.0, np.pi, 12, endpoint=False):
        right = np.array([np.cos(cand), 0.0, -np.sin(cand)])
        spread = float(np.mean(np.abs(axis @ right)))
        if spread > best + 1e-6:
            best, yaw = spread, float(cand)
    yaw += np.radians(12.0)
    allp = np.concatenate([p.reshape(-1, 3) for p in people])
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    center = (lo + hi) / 2
    center[1] = 0.85
    extent = max(hi[0] - lo[0], hi[2] - lo[2], 2.2)
    # Far away with a long lens (nearly orthographic) so walks towards the camera stay in frame.
    distance = 3.0 * extent + 4.0
    return Camera(center, yaw, distance, size, focal=0.8 * size * distance / extent)


def draw_panel(people: list[np.ndarray], frame: int, cam: Camera, trails: bool = True) -> Image.Image:
    img = Image.new("RGB", (cam.size, cam.size), (250, 250, 247))
    draw = ImageDraw.Draw(img)
    # Floor grid (1 m) around the look-at point.
    gx, gz = np.round(cam.target[0]), np.round(cam.target[2])
    for k in range(-6, 7):
        for a, b in (((gx + k, 0, gz - 6), (gx + k, 0, gz + 6)), ((gx - 6, 0, gz + k), (gx + 6, 0, gz + k))):
            pts = np.linspace(a, b, 24)
            uv, depth = cam.project(pts)
            ok = depth > 0.3
            for i in range(len(pts) - 1):
                if ok[i] and ok[i + 1]:
                    draw.line([tuple(uv[i]), tuple(uv[i + 1])], fill=(215, 215, 210), width=1)
    order = sorted(range(len(people)), key=lambda i: -float(cam.project(people[i][frame, :1])[1][0]))
    for i in order:
        pos = people[i]
        colour = COLOURS[i]
        if trails:
            uv, _ = cam.project(pos[: frame + 1, 0] * [1, 0, 1])
            if len(uv) > 1:
                light = tuple(int(v + (255 - v) * 0.6) for v in colour)
                draw.line([tuple(p) for p in uv], fill=light, width=1)
        uv, depth = cam.project(pos[frame])
        shadow, _ = cam.project(pos[frame] * [1, 0, 1])
        for parent, child in BONES:
            draw.line([tuple(shadow[parent]), tuple(shadow[child])], fill=(225, 225, 220), width=2)
        for parent, child in BONES:
            draw.line([tuple(uv[parent]), tuple(uv[child])], fill=colour, width=3)
        r = max(3.0, cam.focal * 0.09 / max(depth[15], 1e-3))
        hx, hy = uv[15]
        draw.ellipse([hx - r, hy - r, hx + r, hy + r], outline=colour, width=2, fill=(255, 255, 255))
        for j in (20, 21):
            x, y = uv[j]
            draw.ellipse([x - 2.5, y - 2.5, x + 2.5, y + 2.5], fill=colour)
    return img


def contact_sheet(clips: list[tuple[str, list[np.ndarray], str]], n_frames: int = 6,
                  panel: int = PANEL) -> Image.Image:
    """``clips``: (id, [positions person1 (T,22,3), person2], caption) -> one image."""
    font = _font(13)
    small = _font(11)
    line_h = 16
    row_h = panel + 14 + CAPTION_LINES * line_h + 10
    width = n_frames * panel
    sheet = Image.new("RGB", (width, row_h * len(clips)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    chars = int(width / 7.2)
    for row, (clip_id, people, caption) in enumerate(clips):
        cam = clip_camera(people, panel)
        length = people[0].shape[0]
        picks = np.linspace(0, length - 1, n_frames).round().astype(int)
        y0 = row * row_h
        for col, f in enumerate(picks):
            sheet.paste(draw_panel(people, int(f), cam), (col * panel, y0))
            draw.text((col * panel + 4, y0 + 3), f"{f / FPS:.1f}s", fill=(120, 120, 120), font=small)
        draw.rectangle([0, y0, width - 1, y0 + panel - 1], outline=(200, 200, 200))
        draw.text((4, y0 + panel + 2), f"{clip_id}  ({length} frames)", fill=(110, 110, 110), font=small)
        for k, line in enumerate(textwrap.wrap(caption, chars)[:CAPTION_LINES]):
            draw.text((4, y0 + panel + 14 + k * line_h), line, fill=(20, 20, 20), font=font)
    return sheet


def load_clip(root: Path, clip_id: str) -> tuple[list[np.ndarray], str]:
    layout = InterHumanLayout(root)
    people = [split_raw(np.load(layout.motion_file(clip_id, person)))[0] for person in (1, 2)]
    lines = layout.caption_file(clip_id).read_text(encoding="utf-8").splitlines()
    return people, (lines[0] if lines else "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data set root (InterHuman layout)")
    parser.add_argument("--out", type=Path, required=True, help="output PNG")
    parser.add_argument("--n", type=int, default=12, help="number of clips")
    parser.add_argument("--split", default=None, help="take clips from this split (default: all, sorted)")
    parser.add_argument("--frames", type=int, default=6, help="frames drawn per clip")
    parser.add_argument("--seed", type=int, default=0, help="which clips to pick (0: the first ones)")
    args = parser.parse_args(argv)

    if args.split:
        ids = (InterHumanLayout(args.data).split_dir / f"{args.split}.txt").read_text().split()
    else:
        ids = sorted(p.stem for p in InterHumanLayout(args.data).annots_dir.glob("*.txt"))
    if args.seed:
        ids = list(np.random.default_rng(args.seed).permutation(ids))
    clips = []
    for clip_id in ids[: args.n]:
        people, caption = load_clip(args.data, clip_id)
        clips.append((clip_id, people, caption))
    if not clips:
        raise SystemExit(f"no clips found under {args.data}")
    sheet = contact_sheet(clips, n_frames=args.frames)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp.png")
    sheet.save(tmp)
    tmp.replace(args.out)
    print(f"wrote {args.out} ({len(clips)} clips, {sheet.size[0]}x{sheet.size[1]})")


if __name__ == "__main__":
    main()
