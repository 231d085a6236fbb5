"""A student's drawing or photo -> the 28x28 input the CNN expects, made the way MNIST was made.

MNIST digits are white ink on black, size-normalised into a 20x20 box (aspect ratio kept)
and placed in a 28x28 image so that their centre of mass sits at the centre.

A drawing is kept as the canvas's own stroke list (Fabric.js ``Path`` objects), and
``strokes_to_ink`` paints that same list server-side: what the canvas shows and what the
network is given come from one record. A photo is first cleaned the way MNIST's scans were
(``photo_ink``): the paper's uneven light is estimated and taken away, dark ink is inverted,
the contrast is stretched and what is left of the paper is thresholded to black.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, UnidentifiedImageError
from scipy import ndimage

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
ACCEPTED_FORMATS = {"PNG", "JPEG"}


def to_gray(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 3) or (H, W, 4) array -> float ink map in [0, 1] (1 = ink), white-on-black.

    Transparent canvas pixels count as background. A light background (a photo of dark ink
    on paper) is inverted so ink is always bright.
    """
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 2:
        gray = a
    elif a.ndim == 3 and a.shape[2] in (3, 4):
        gray = a[..., :3] @ np.array([0.299, 0.587, 0.114])
        if a.shape[2] == 4:                                   # composite over black
            gray = gray * (a[..., 3] / 255.0)
    else:
        raise ValueError(f"image must be (H, W), (H, W, 3) or (H, W, 4); got shape {a.shape}")
    gray = gray / 255.0 if gray.max() > 1.0 else gray
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:                                # dark ink on a light background
        gray = 1.0 - gray
    return np.clip(gray, 0.0, 1.0)


def mnist_style(image: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """Any drawing -> (28, 28) float32 in [0, 1], MNIST-style. All zeros when there is no ink."""
    gray = to_gray(image)
    ink = gray > threshold
    if not ink.any():
        return np.zeros((28, 28), np.float32)
    rows, cols = np.where(ink.any(axis=1))[0], np.where(ink.any(axis=0))[0]
    crop = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]    # crop to the ink
    h, w = crop.shape
    scale = 20.0 / max(h, w)                                    # fit the longer side into 20 pixels
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS),
                       dtype=np.float64) / 255.0
    out = np.zeros((28, 28))
    top, left = (28 - nh) // 2, (28 - nw) // 2
    out[top:top + nh, left:left + nw] = small
    cy, cx = ndimage.center_of_mass(out)                        # centre by mass, as MNIST did
    out = ndimage.shift(out, (14 - cy, 14 - cx), order=1, mode="constant")
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def read_upload(raw: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> np.ndarray:
    """Bytes of an uploaded PNG or JPEG -> (H, W, 3) uint8 array. Raises ValueError otherwise."""
    if len(raw) > max_bytes:
        raise ValueError(f"the image is {len(raw):,} bytes; the limit is {max_bytes:,}")
    try:
        with Image.open(io.BytesIO(raw)) as img:
            if img.format not in ACCEPTED_FORMATS:
                raise ValueError(f"only PNG or JPEG images are accepted, not {img.format}")
            if img.width * img.height > MAX_PIXELS:
                raise ValueError(f"the image is {img.width}x{img.height} pixels; the limit is 4096x4096")
            img.load()
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValueError("this file is not a PNG or JPEG image") from None


# --- the canvas's strokes --------------------------------------------------------------------------

def _path_points(path: list, steps: int = 6) -> np.ndarray:
    """Fabric.js path commands (M, L, Q, C with absolute coordinates) -> (K, 2) points along it."""
    points, here = [], None
    for cmd in path:
        op, args = cmd[0].upper(), [float(v) for v in cmd[1:]]
        if op in ("M", "L") and len(args) >= 2:
            here = np.array(args[-2:])
            points.append(here)
        elif op in ("Q", "C") and here is not None and len(args) >= 4:
            ctrl = [here] + [np.array(args[i:i + 2]) for i in range(0, len(args), 2)]
            for t in np.linspace(0, 1, steps)[1:]:                 # de Casteljau on 3 or 4 points
                pts = ctrl
                while len(pts) > 1:
                    pts = [(1 - t) * a + t * b for a, b in zip(pts, pts[1:])]
                points.append(pts[0])
            here = ctrl[-1]
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def strokes_to_ink(objects: list[dict] | None, size: tuple[int, int] = (280, 280)) -> np.ndarray:
    """The canvas's stroke list -> (H, W) ink map in [0, 1], painted as the canvas paints it
    (round caps and joins, each stroke's width). Objects that are not paths are skipped."""
    w, h = size
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    for obj in objects or ():
        if obj.get("type", "").lower() != "path" or not obj.get("path"):
            continue
        pts = _path_points(obj["path"])
        if not len(pts):
            continue
        # A Path's coordinates are its own; its (left, top) is where its box's origin sits on the
        # canvas (the centre, for the canvas's paths). Moving or scaling it moves only (left, top).
        lo, hi = pts.min(0), pts.max(0)
        origin = {"left": lo[0], "center": (lo[0] + hi[0]) / 2, "right": hi[0]}.get(obj.get("originX"), lo[0]), \
            {"top": lo[1], "center": (lo[1] + hi[1]) / 2, "bottom": hi[1]}.get(obj.get("originY"), lo[1])
        scale = np.array([float(obj.get("scaleX", 1)), float(obj.get("scaleY", 1))])
        pts = (pts - origin) * scale + [float(obj.get("left", origin[0])), float(obj.get("top", origin[1]))]
        width = max(1.0, float(obj.get("strokeWidth", 1)) * float(scale.mean()))
        r = width / 2
        xy = [tuple(p) for p in pts]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=round(width))
        for x, y in xy:                                             # round joins and caps
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(img, dtype=np.float32) / 255.0


# --- photos ----------------------------------------------------------------------------------------

def _luminance(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        a = a[..., :3] @ np.array([0.299, 0.587, 0.114])
    elif a.ndim != 2:
        raise ValueError(f"image must be (H, W), (H, W, 3) or (H, W, 4); got shape {a.shape}")
    return a / 255.0 if a.max() > 1.0 else a


def photo_ink(image: np.ndarray, max_side: int = 256) -> np.ndarray:
    """A photo of a digit on paper (dark or light ink, uneven light, texture) -> ink map in [0, 1]
    with the paper at exactly 0, ready for ``mnist_style``."""
    gray = _luminance(image)
    if max(gray.shape) > max_side:                                  # the result is 28x28 anyway
        f = max_side / max(gray.shape)
        size = (max(1, round(gray.shape[1] * f)), max(1, round(gray.shape[0] * f)))
        gray = np.asarray(Image.fromarray((gray * 255).astype(np.uint8)).resize(size, Image.BILINEAR)) / 255.0
    # Ink is the minority: the median is paper. Dark ink lies further below it than anything above.
    d = gray - np.median(gray)
    if -np.percentile(d, 1) > np.percentile(d, 99):
        gray = 1.0 - gray
    # The paper's light, estimated at a scale wider than a stroke (an opening removes thin bright
    # strokes), then smoothed; what rises above it is ink.
    k = max(3, min(gray.shape) // 5)
    paper = ndimage.gaussian_filter(ndimage.grey_opening(gray, size=(k, k)), k / 3)
    ink = np.clip(gray - paper, 0.0, None)
    top = np.percentile(ink, 99.5)
    if top <= 0.02:                                                 # nothing stands out: no digit
        return np.zeros_like(ink)
    ink = np.clip(ink / top, 0.0, 1.0)                              # stretch the contrast
    t = _otsu(ink)
    ink = np.clip((ink - t) / (1.0 - t), 0.0, 1.0)                  # threshold the paper away
    labels, n = ndimage.label(ink > 0)
    if n > 1:                                                       # specks far smaller than the digit
        area = ndimage.sum(ink > 0, labels, index=np.arange(1, n + 1))
        keep = np.concatenate([[False], area >= 0.1 * area.max()])
        ink = np.where(keep[labels], ink, 0.0)
    return ink


def _otsu(values: np.ndarray, bins: int = 64) -> float:
    """The threshold between two groups of ``values`` in [0, 1] that keeps each group tightest."""
    hist, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    p = hist / hist.sum()
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * centres)
    between = (m0[-1] * w0 - m0) ** 2 / np.maximum(w0 * (1 - w0), 1e-12)
    return float(edges[1:][np.argmax(between[:-1])])
