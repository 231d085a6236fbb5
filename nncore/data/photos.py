"""Photo-like digits for testing the photo path, as a phone would photograph them: on grey, textured
or unevenly lit paper, in dark ink or light (chalk-like) ink.

Two kinds of writing:
- ``handwritten_set``: pen strokes (the way students write: a 1 without a foot, an open 4),
  slanted, scaled and jittered per render. This is the set the photo path is held to.
- ``font_set``: DejaVu type. Printed glyphs (a footed 1, a closed 4, looped 6 and 9) are far from
  MNIST's handwriting, so a small MNIST model misreads some whatever the preprocessing; tests report
  this set's accuracy without holding it to a bar.

They stand in for students' photos, which no test can take: each render is seeded, so a test that
reads them measures the same set every time.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSans.ttf", "DejaVuSansMono-Bold.ttf")
PAPERS = ("grey", "textured", "uneven")


@dataclass(frozen=True)
class PhotoDigit:
    image: np.ndarray        # (H, W, 3) uint8, as an upload would arrive
    label: int
    paper: str               # grey, textured or uneven
    dark_ink: bool           # dark ink on light paper, or light ink on dark paper
    font: str | None         # None: handwritten


def fonts_available() -> bool:
    return all((FONT_DIR / f).is_file() for f in FONTS)


def _paper(kind: str, size: int, rng: np.random.Generator, dark_ink: bool) -> np.ndarray:
    """(size, size) brightness of the paper in [0, 1]."""
    base = rng.uniform(0.6, 0.8) if dark_ink else rng.uniform(0.15, 0.3)
    paper = np.full((size, size), base)
    if kind == "textured":                              # fibres and grain: noise blurred at two scales
        grain = rng.normal(0, 1, (size, size))
        coarse = np.asarray(Image.fromarray(((grain + 4) * 32).clip(0, 255).astype(np.uint8))
                            .filter(ImageFilter.GaussianBlur(3)), dtype=np.float64) / 32 - 4
        paper += 0.06 * coarse + 0.03 * grain
    elif kind == "uneven":                              # a lamp to one side: a gradient and a vignette
        yy, xx = np.mgrid[0:size, 0:size] / size
        angle = rng.uniform(0, 2 * np.pi)
        paper += 0.25 * ((xx - 0.5) * np.cos(angle) + (yy - 0.5) * np.sin(angle))
        paper -= 0.15 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2)
    return paper


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 14) -> list:
    """Points on an ellipse from angle a0 to a1 (degrees; 0 = right, 90 = down, as on paper)."""
    t = np.radians(np.linspace(a0, a1, n))
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


# Each digit as a student writes it: strokes of points in a unit box (x right, y down).
STROKES = {
    0: [_arc(0.5, 0.5, 0.26, 0.4, -90, 275, 28)],
    1: [[(0.4, 0.24), (0.55, 0.1), (0.53, 0.9)]],
    2: [_arc(0.5, 0.32, 0.24, 0.22, 190, 370) + [(0.45, 0.65), (0.24, 0.88), (0.8, 0.86)]],
    3: [_arc(0.48, 0.3, 0.22, 0.19, 200, 450) + _arc(0.48, 0.69, 0.25, 0.21, -90, 160)],
    4: [[(0.32, 0.1), (0.22, 0.58), (0.8, 0.56)], [(0.66, 0.2), (0.64, 0.92)]],
    5: [[(0.74, 0.1), (0.34, 0.11), (0.3, 0.44)] + _arc(0.49, 0.65, 0.25, 0.24, -120, 150)],
    6: [[(0.66, 0.1), (0.42, 0.35)] + _arc(0.5, 0.68, 0.22, 0.22, 200, 560, 28)],
    7: [[(0.22, 0.13), (0.8, 0.12), (0.5, 0.55), (0.42, 0.9)]],
    8: [_arc(0.5, 0.3, 0.18, 0.19, 90, 450, 24), _arc(0.5, 0.7, 0.23, 0.21, -90, 270, 24)],
    9: [_arc(0.5, 0.32, 0.21, 0.21, 0, 360, 24) + [(0.7, 0.6), (0.62, 0.92)]],
}


def _handwriting(label: int, size: int, rng: np.random.Generator) -> Image.Image:
    """A digit's strokes, slanted, squeezed, jittered and drawn with a round pen."""
    slant, squeeze, turn = rng.uniform(-0.2, 0.25), rng.uniform(0.8, 1.1), np.radians(rng.uniform(-6, 6))
    rot = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    scale, shift = size * rng.uniform(0.6, 0.75), size / 2 + rng.uniform(-10, 10, 2)
    pen = size * rng.uniform(0.06, 0.09)
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    for stroke in STROKES[label]:
        pts = np.array(stroke) - 0.5 + rng.normal(0, 0.012, (len(stroke), 2))
        pts = np.column_stack([(pts[:, 0] - slant * pts[:, 1]) * squeeze, pts[:, 1]]) @ rot.T * scale + shift
        xy = [tuple(p) for p in pts]
        draw.line(xy, fill=255, width=round(pen))
        for x, y in xy:
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    return mask


def _typeset(label: int, size: int, rng: np.random.Generator, font: str) -> Image.Image:
    """A digit in ``font``, slightly rotated and off-centre."""
    mask = Image.new("L", (size, size), 0)
    face = ImageFont.truetype(str(FONT_DIR / font), int(size * rng.uniform(0.55, 0.7)))
    ImageDraw.Draw(mask).text((size / 2 + rng.uniform(-12, 12), size / 2 + rng.uniform(-10, 10)), str(label),
                              fill=255, font=face, anchor="mm", stroke_width=int(size * 0.02), stroke_fill=255)
    return mask.rotate(rng.uniform(-8, 8), resample=Image.BILINEAR)


def render(label: int, paper: str, dark_ink: bool, font: str | None, seed: int, size: int = 160) -> PhotoDigit:
    """One digit, photographed on ``paper``: handwritten (``font`` None) or set in ``font``."""
    rng = np.random.default_rng(seed)
    mask = _handwriting(label, size, rng) if font is None else _typeset(label, size, rng, font)
    ink = np.asarray(mask.filter(ImageFilter.GaussianBlur(1.2)), dtype=np.float64) / 255.0
    background = _paper(paper, size, rng, dark_ink)
    ink_level = rng.uniform(0.05, 0.2) if dark_ink else rng.uniform(0.8, 0.95)
    gray = background * (1 - ink) + ink_level * ink + rng.normal(0, 0.015, (size, size))   # sensor noise
    tint = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.9, 1.0)])                  # warm light
    rgb = (np.clip(gray, 0, 1)[..., None] * tint * 255).astype(np.uint8)
    return PhotoDigit(rgb, label, paper, dark_ink, font)


def _photo_set(per_digit: int, seed: int, fonts: tuple) -> list[PhotoDigit]:
    """``per_digit`` renders of each digit 0-9, cycling papers, ink colours and ``fonts``."""
    out = []
    for d in range(10):
        for j in range(per_digit):
            i = d * per_digit + j
            out.append(render(d, PAPERS[i % len(PAPERS)], dark_ink=(i // len(PAPERS)) % 2 == 0,
                              font=fonts[i % len(fonts)], seed=seed * 1000 + i))
    return out


def handwritten_set(per_digit: int = 4, seed: int = 0) -> list[PhotoDigit]:
    """Pen-written digits on every paper, dark and light ink (40 by default)."""
    return _photo_set(per_digit, seed, (None,))


def font_set(per_digit: int = 4, seed: int = 0) -> list[PhotoDigit]:
    """DejaVu-set digits on every paper, dark and light ink (40 by default)."""
    return _photo_set(per_digit, seed, FONTS)
