"""Photo decoding shared by face matching, and perceptual hashes that catch replayed or reused photos."""

import io
import warnings

import imagehash
from PIL import Image, ImageOps

from core.config import Config

# Faces are matched on photos no larger than this on their longer side: a 4000 x 3000 phone
# photo has 25 times the pixels of an 800 x 600 one, and the Haar detector's time grows with
# them, while a face filling a selfie is still hundreds of pixels wide at 800 px.
MAX_SIDE = 800
# Refuse to decode anything larger (a phone's 108 MP sensor is ~12,000 x 9,000): a tiny
# file can declare a huge canvas, and Pillow would allocate it before noticing.
MAX_PIXELS = 120_000_000
# Hamming distance (of 64 bits) at or below which two photos are one picture (see Config).
DEFAULT_HASH_DISTANCE = Config.photo_hash_distance


class UnreadableImage(ValueError):
    """The bytes are not an image Pillow can decode within the size limit."""


def open_image(data, max_side=MAX_SIDE):
    """Decode image bytes upright (EXIF orientation applied), as RGB, shrunk to max_side."""
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP on and refuses from 179 MP on; we draw our own line.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableImage(f"image of {image.width}x{image.height} pixels is too large")
            # JPEG can decode straight at 1/2, 1/4 or 1/8 scale: much cheaper for phone photos.
            image.draft("RGB", (max_side, max_side))
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except UnreadableImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise UnreadableImage(str(error)) from error
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def phash(data, mirrored=False):
    """Return the 64-bit perceptual hash of image bytes (or of their mirror image) as 16 hex digits."""
    image = open_image(data)
    if mirrored:
        # Front cameras often save selfies mirrored; a mirrored copy hashes ~30 bits away.
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return str(imagehash.phash(image))


def hash_distance(first, second):
    """Return how many of the 64 bits two hashes differ in."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def is_near(first, second, max_distance=DEFAULT_HASH_DISTANCE):
    """Tell whether two perceptual hashes are of the same picture."""
    return hash_distance(first, second) <= max_distance


def find_near(photo_hash, earlier_hashes, max_distance=DEFAULT_HASH_DISTANCE):
    """Return the first earlier hash of the same picture as photo_hash, or None."""
    value = int(photo_hash, 16)
    for earlier in earlier_hashes:
        if (value ^ int(earlier, 16)).bit_count() <= max_distance:
            return earlier
    return None


def find_replay(data, earlier_hashes, max_distance=DEFAULT_HASH_DISTANCE):
    """Return the earlier hash that image bytes copy, as they are or mirrored, or None."""
    return (find_near(phash(data), earlier_hashes, max_distance)
            or find_near(phash(data, mirrored=True), earlier_hashes, max_distance))
