"""A student's drawing or photo -> the 28x28 input the CNN expects, made the way MNIST was made.

MNIST digits are white ink on black, size-normalised into a 20x20 box (aspect ratio kept)
and placed in a 28x28 image so that their centre of mass sits at the centre.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError
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


def combine_ink(previous: np.ndarray | None, ink: np.ndarray | None) -> np.ndarray | None:
    """Strokes drawn so far: the pixel-wise maximum of two ink maps (None: nothing, or a reset)."""
    if ink is None or previous is None or previous.shape != ink.shape:
        return ink
    return np.maximum(previous, ink)


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
