"""Real photos for the face and photo tests and bench/face.py: two people, variations of each, other scenes."""

import io

import numpy as np
from PIL import Image, ImageEnhance

# Photos that ship inside scikit-image's wheel (no download), none of them a face.
SCENES = ("coffee", "chelsea", "camera", "rocket", "horse", "coins", "moon", "page", "text",
          "brick", "grass", "gravel", "hubble_deep_field", "retina", "immunohistochemistry", "cell", "clock", "stereo_left", "stereo_right")


def encode(image, fmt="JPEG", quality=92):
    """Return an image as file bytes."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def astronaut():
    """Return scikit-image's astronaut (Eileen Collins), 512 x 512."""
    import skimage.data
    return Image.fromarray(skimage.data.astronaut())


def hopper():
    """Return matplotlib's portrait of Grace Hopper, 512 x 600."""
    from matplotlib import cbook
    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        return Image.open(handle).convert("RGB")


def scene(name):
    """Return one of scikit-image's shipped photos by name, as RGB."""
    import skimage.data
    if name.startswith("stereo_"):
        # Two photos of one scene taken a few centimetres apart.
        pixels = skimage.data.stereo_motorcycle()[0 if name == "stereo_left" else 1]
    else:
        pixels = getattr(skimage.data, name)()
    return Image.fromarray(np.asarray(pixels, dtype=np.uint8)).convert("RGB")


def portrait(image, box, side=400):
    """Cut box (left, top, right, bottom) out of image and scale it to side x side."""
    return image.crop(box).resize((side, side), Image.Resampling.LANCZOS)


def two_people():
    """Return the astronaut and Grace Hopper side by side, each face about 150-250 px wide."""
    canvas = Image.new("RGB", (800, 400))
    canvas.paste(portrait(astronaut(), (100, 0, 356, 256)), (0, 0))
    canvas.paste(portrait(hopper(), (60, 20, 460, 420)), (400, 0))
    return canvas


def crop(image, share):
    """Cut share of the width and height away, most of it on the top and left."""
    dx, dy = int(image.width * share), int(image.height * share)
    return image.crop((dx, dy, image.width - dx // 2, image.height - dy // 2))


def rotate(image, degrees):
    """Tilt the photo as a tilted phone would: rotate, then keep the largest upright inner rectangle."""
    turned = image.rotate(degrees, resample=Image.Resampling.BICUBIC)
    angle = np.radians(abs(degrees))
    # A w x h frame rotated by a: the inner rectangle with the same aspect shrinks by this factor.
    factor = 1 / (np.cos(angle) + np.sin(angle) * max(image.width, image.height) / min(image.width, image.height))
    width, height = int(image.width * factor), int(image.height * factor)
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return turned.crop((left, top, left + width, top + height))


def brighten(image, factor):
    """Change the brightness by factor."""
    return ImageEnhance.Brightness(image).enhance(factor)


def reencode(image, quality):
    """Return the image after a round trip through JPEG at quality."""
    return Image.open(io.BytesIO(encode(image, quality=quality))).convert("RGB")


def resize(image, factor):
    """Scale the image by factor."""
    return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)


def variations(image):
    """Return the photo as another camera, light or hand would give it, by name."""
    return {
        "crop 10%": crop(image, 0.10),
        "rotate 10°": rotate(image, 10),
        "rotate -10°": rotate(image, -10),
        "brightness 0.7": brighten(image, 0.7),
        "brightness 1.3": brighten(image, 1.3),
        "jpeg q30": reencode(image, 30),
        "jpeg q60": reencode(image, 60),
        "scaled 1.5": resize(image, 1.5),
        "mirrored": image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "crop+rotate+bright+jpeg": reencode(brighten(rotate(crop(image, 0.08), 8), 1.2), 50),
    }


def copies(image):
    """Return the same picture as a replay would send it: re-encoded, resized, brightened, by name."""
    return {
        "jpeg q95": reencode(image, 95),
        "jpeg q40": reencode(image, 40),
        "jpeg q15": reencode(image, 15),
        "png": Image.open(io.BytesIO(encode(image, "PNG"))),
        "half size": resize(image, 0.5),
        "quarter size": resize(image, 0.25),
        "double size": resize(image, 2.0),
        "brightness 1.2": brighten(image, 1.2),
        "brightness 0.8": brighten(image, 0.8),
        "half size jpeg q50": reencode(resize(image, 0.5), 50),
    }
