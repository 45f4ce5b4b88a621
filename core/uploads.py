"""Passengers' uploaded photos: decoded and re-encoded so that nothing but pixels is kept (EXIF, GPS gone)."""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError


def _(text):
    """Mark text for extraction; it is translated where it is shown."""
    return text


MAX_BYTES = 8 * 1024 * 1024
# A phone camera takes at most ~50 megapixels; anything larger is a decompression bomb.
MAX_PIXELS = 60_000_000
FORMATS = {"JPEG", "PNG", "WEBP"}
STORED_SIDE = 2048
THUMB_SIDE = 320

TOO_BIG = _("A photo is larger than 8 MB. Please send a smaller one.")
NOT_IMAGE = _("A file is not a JPEG, PNG or WebP photo.")
BOMB = _("A photo has too many pixels to be a real photo.")
TOO_MANY = _("At most 3 photos, please.")


class PhotoRefused(ValueError):
    """A file that is not a photo we accept; .reason is the message id saying why."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo and its thumbnail, both JPEG, with no metadata."""

    full: bytes
    thumb: bytes
    width: int
    height: int


def clean_photo(data):
    """Decode an uploaded photo and re-encode it without metadata; raise PhotoRefused."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused(TOO_BIG)
    image = _decode(data)
    image = ImageOps.exif_transpose(image).convert("RGB")  # keep the orientation, then drop EXIF
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return CleanPhoto(_jpeg(image), _jpeg(thumb), image.width, image.height)


def _decode(data):
    """Open and fully load an image, refusing bombs and what is not JPEG, PNG or WebP."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise PhotoRefused(NOT_IMAGE)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(BOMB) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRefused(NOT_IMAGE) from None
    return image


def _jpeg(image):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)  # no exif= argument: nothing carried over
    return out.getvalue()
