"""Face enrolment and matching with the real Dlib weights on real photos."""

import asyncio
import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from core import face_model, faces
from core.config import Config
from core.i18n import LANGUAGES, translations
from tests import face_samples as samples

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def astronaut_embeddings():
    """Enrol the astronaut once for the whole session."""
    return faces.enrol_sync([samples.encode(samples.astronaut())])


def test_it_refuses_another_person(astronaut_embeddings):
    ok, distance, reason = faces.match_sync(samples.encode(samples.hopper()), astronaut_embeddings)
    assert (ok, reason) == (False, "mismatch")
    assert distance > faces.DEFAULT_THRESHOLD


@pytest.mark.parametrize("variation", ["crop 10%", "rotate 10°", "rotate -10°", "brightness 0.7",
                                       "brightness 1.3", "jpeg q30", "crop+rotate+bright+jpeg"])
def test_it_accepts_the_same_person_cropped_rotated_brightened_reencoded(astronaut_embeddings, variation):
    selfie = samples.variations(samples.astronaut())[variation]
    ok, distance, reason = faces.match_sync(samples.encode(selfie), astronaut_embeddings)
    assert (ok, reason) == (True, None)
    assert 0 < distance <= faces.DEFAULT_THRESHOLD


def test_it_matches_against_the_nearest_of_several_references(astronaut_embeddings):
    both = faces.enrol_sync([samples.encode(samples.hopper())]) + astronaut_embeddings
    assert faces.match_sync(samples.encode(samples.astronaut()), both) == (True, 0.0, None)


def test_it_applies_the_configured_threshold(astronaut_embeddings, monkeypatch):
    selfie = samples.encode(samples.variations(samples.astronaut())["jpeg q30"])
    monkeypatch.setenv("LIFTWATCH_FACE_THRESHOLD", "0.05")
    threshold = Config.from_env().face_threshold
    assert threshold == 0.05
    assert faces.match_sync(selfie, astronaut_embeddings, threshold=threshold).reason == "mismatch"


@pytest.mark.parametrize("photo", ["coffee", "blank"])
def test_it_refuses_a_photo_without_a_face(astronaut_embeddings, photo):
    image = samples.scene("coffee") if photo == "coffee" else Image.new("RGB", (640, 480), (200, 200, 200))
    assert faces.match_sync(samples.encode(image), astronaut_embeddings) == (False, None, "no_face")
    with pytest.raises(faces.FaceRefused) as refused:
        faces.enrol_sync([samples.encode(samples.astronaut()), samples.encode(image)])
    assert (refused.value.reason, refused.value.photo) == ("no_face", 1)


def test_it_refuses_two_people_at_enrolment():
    with pytest.raises(faces.FaceRefused) as refused:
        faces.enrol_sync([samples.encode(samples.two_people())])
    assert (refused.value.reason, refused.value.photo) == ("several_faces", 0)


def test_it_matches_the_largest_face_of_a_selfie(astronaut_embeddings):
    selfie = samples.encode(samples.two_people())  # Grace Hopper's face is the larger one
    assert faces.match_sync(selfie, astronaut_embeddings).reason == "mismatch"
    hopper = faces.enrol_sync([samples.encode(samples.hopper())])
    assert faces.match_sync(selfie, hopper).ok


def test_it_enrols_a_photo_despite_a_false_detection():
    # At 800 px the Haar detector also finds a "face" of ~156 px in the tilted spacesuit.
    tilted = samples.resize(samples.rotate(samples.astronaut(), -10), 800 / 450)
    assert len(faces._faces(samples.encode(tilted), faces.DEFAULT_MIN_FACE_PX)) == 2
    assert len(faces.enrol_sync([samples.encode(tilted)])) == 1


def test_it_refuses_a_face_too_small(astronaut_embeddings):
    distant = samples.encode(samples.resize(samples.astronaut(), 0.6))  # the face is ~58 px wide
    assert faces.match_sync(distant, astronaut_embeddings) == (False, None, "face_too_small")
    assert faces.match_sync(distant, astronaut_embeddings, min_face_px=40).ok


def test_it_refuses_a_file_that_is_no_image(astronaut_embeddings):
    assert faces.match_sync(b"%PDF-1.7 not a photo", astronaut_embeddings).reason == "unreadable"
    with pytest.raises(faces.FaceRefused, match="photo 1: unreadable"):
        faces.enrol_sync([b"\xff\xd8\xff broken jpeg"])


@pytest.fixture(scope="module")
def face_process():
    """Stop the face process after this module's tests."""
    yield
    faces.shutdown()


async def test_it_loads_the_model_once_and_matches_off_the_event_loop(astronaut_embeddings, face_process):
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    selfie = samples.encode(samples.variations(samples.astronaut())["crop 10%"])
    first = await faces.match(selfie, astronaut_embeddings)
    second = await faces.match(samples.encode(samples.hopper()), astronaut_embeddings)
    ticker.cancel()
    assert (first.ok, second.ok) == (True, False)
    # Matches run in the face process, which loaded its model once for both.
    pid, loads, seconds = await faces.warm_up()
    assert pid != os.getpid() and loads == 1 and seconds > 0
    # The loop kept ticking while the face process worked (two matches take well over 0.2 s).
    assert ticks >= 10
    # This process loaded its own model once too, for the session's synchronous matches.
    assert face_model.model_loads()[0] == 1
    assert "tensorflow" not in sys.modules and "torch" not in sys.modules


async def test_it_replaces_a_face_process_that_died(astronaut_embeddings, face_process):
    pid = (await faces.warm_up())[0]
    os.kill(pid, signal.SIGKILL)
    selfie = samples.encode(samples.variations(samples.astronaut())["jpeg q30"])
    assert (await faces.match(selfie, astronaut_embeddings)).ok
    assert (await faces.warm_up())[0] != pid


async def test_it_sends_refusals_back_from_the_face_process(face_process):
    with pytest.raises(faces.FaceRefused) as refused:
        await faces.enrol([samples.encode(samples.astronaut()), samples.encode(samples.two_people())])
    assert (refused.value.reason, refused.value.photo) == ("several_faces", 1)


def test_it_installs_no_tensorflow_nor_torch():
    # deepface 0.0.103 lists them as extras only; the faces extra must not pull them back in.
    assert [name for name in ("tensorflow", "torch", "keras") if importlib.util.find_spec(name)] == []


def test_it_imports_no_face_library_before_the_first_match():
    script = "import sys, core.faces, core.photos; print(json.dumps(sorted(m for m in ('deepface', 'dlib', 'cv2') if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", f"import json; {script}"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert json.loads(out) == []


# Run in a fresh process: any socket connection other than a Unix-domain one fails and is recorded,
# and the proxies point at a closed port, so a download attempt cannot succeed unseen.
NO_NETWORK_ENROL = """
import json, socket, sys
attempts = []
real_connect = socket.socket.connect
def connect(self, address):
    if self.family != socket.AF_UNIX:
        attempts.append(repr(address))
        raise OSError("network disabled by the test")
    return real_connect(self, address)
socket.socket.connect = connect
from core import faces
from tests import face_samples
embeddings = faces.enrol_sync([face_samples.encode(face_samples.astronaut())])
print(json.dumps({"attempts": attempts, "dimensions": len(embeddings[0])}))
"""


def test_it_places_the_shipped_weights_and_downloads_nothing(tmp_path):
    dead = "http://127.0.0.1:9"
    env = dict(os.environ, DEEPFACE_HOME=str(tmp_path), HTTP_PROXY=dead, HTTPS_PROXY=dead,
               http_proxy=dead, https_proxy=dead, ALL_PROXY=dead, NO_PROXY="")
    done = subprocess.run([sys.executable, "-c", NO_NETWORK_ENROL], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"attempts": [], "dimensions": 128}
    placed = tmp_path / ".deepface" / "weights" / face_model.WEIGHT_FILES[0]
    assert placed.stat().st_size == (face_model.shipped_weights_dir() / face_model.WEIGHT_FILES[0]).stat().st_size


def test_it_copies_the_weights_only_once(tmp_path):
    folder = face_model.install_weights(tmp_path)
    placed = folder / face_model.WEIGHT_FILES[0]
    placed.write_bytes(b"already here")
    face_model.install_weights(tmp_path)
    assert placed.read_bytes() == b"already here"
    assert [p.name for p in folder.iterdir()] == [face_model.WEIGHT_FILES[0]]


def test_it_words_every_refusal_in_every_language():
    for reason in faces.REASONS:
        texts = {lang: faces.reason_text(reason, lang) for lang in LANGUAGES}
        assert texts["en"] == faces.REASON_MESSAGES[reason]
        assert texts["zh_Hans"] != texts["en"]
        assert translations("zh_Hans").ugettext(faces.REASON_MESSAGES[reason]) == texts["zh_Hans"]
