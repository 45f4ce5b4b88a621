"""Photo decoding and perceptual hashes that catch a replayed selfie or a reused work photo."""

import io
import itertools

import pytest
from PIL import Image

from core import photos
from core.config import Config
from tests import face_samples as samples


def hashes_of(images):
    """Return the perceptual hash of each named image."""
    return {name: photos.phash(samples.encode(image)) for name, image in images.items()}


def test_it_finds_a_replayed_reference_photo_however_it_was_reencoded():
    reference = samples.astronaut()
    reference_hash = photos.phash(samples.encode(reference, "PNG"))
    for name, copy in hashes_of(samples.copies(reference)).items():
        assert photos.is_near(copy, reference_hash), name
        assert photos.find_near(copy, ["8000000000000000", reference_hash]) == reference_hash, name


def test_it_finds_a_mirrored_replay_only_when_asked():
    reference_hash = photos.phash(samples.encode(samples.hopper()))
    mirrored = samples.encode(samples.hopper().transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert not photos.is_near(photos.phash(mirrored), reference_hash)
    assert photos.is_near(photos.phash(mirrored, mirrored=True), reference_hash)


def test_it_finds_a_replayed_selfie_as_sent_or_mirrored_and_passes_a_new_one():
    earlier = [photos.phash(samples.encode(samples.astronaut())), photos.phash(samples.encode(samples.hopper()))]
    hopper = samples.hopper()
    assert photos.find_replay(samples.encode(hopper, quality=40), earlier) == earlier[1]
    assert photos.find_replay(samples.encode(hopper.transpose(Image.Transpose.FLIP_LEFT_RIGHT)), earlier) == earlier[1]
    new_selfie = samples.encode(samples.variations(hopper)["crop+rotate+bright+jpeg"])
    assert photos.find_replay(new_selfie, earlier) is None


def test_it_tells_different_photos_apart():
    images = {"astronaut": samples.astronaut(), "hopper": samples.hopper()}
    # The stereo pair is left out: two shots of one scene a few centimetres apart are one picture.
    images.update({name: samples.scene(name) for name in samples.SCENES if name != "stereo_right"})
    hashes = hashes_of(images)
    for first, second in itertools.combinations(hashes, 2):
        assert not photos.is_near(hashes[first], hashes[second]), (first, second)
    work_photo = photos.phash(samples.encode(samples.scene("clock")))
    assert photos.find_near(work_photo, [h for n, h in hashes.items() if n != "clock"]) is None


def test_it_reads_the_hash_distance_from_the_environment(monkeypatch):
    first, second = "0000000000000000", "000000000000003f"
    monkeypatch.setenv("LIFTWATCH_PHOTO_HASH_DISTANCE", "5")
    limit = Config.from_env().photo_hash_distance
    assert photos.hash_distance(first, second) == 6
    assert not photos.is_near(first, second, limit)
    assert photos.is_near(first, second, limit + 1)


def test_it_turns_a_photo_upright_and_shrinks_it():
    upright = samples.resize(samples.hopper(), 4)  # 2048 x 2400
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": what a phone held sideways writes
    upright.rotate(90, expand=True).save(buffer, "JPEG", quality=90, exif=exif)
    opened = photos.open_image(buffer.getvalue())
    assert opened.size == (683, 800)
    assert photos.is_near(photos.phash(buffer.getvalue()), photos.phash(samples.encode(samples.hopper())), 2)


@pytest.mark.parametrize("data", [b"", b"GIF89a nonsense", b"\x89PNG\r\n\x1a\n broken"])
def test_it_refuses_bytes_that_are_no_image(data):
    with pytest.raises(photos.UnreadableImage):
        photos.phash(data)


def test_it_refuses_an_image_too_large_to_decode_safely():
    buffer = io.BytesIO()
    Image.new("1", (12_000, 11_000)).save(buffer, "PNG")  # 132 megapixels in ~20 kB
    with pytest.raises(photos.UnreadableImage, match="too large"):
        photos.open_image(buffer.getvalue())
