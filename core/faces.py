"""Face enrolment and selfie matching with deepface's Dlib model, loaded once and run off the event loop."""

import asyncio
import importlib.util
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np

from core import photos
from core.config import Config
from core.i18n import translations

MODEL_NAME = "Dlib"
DETECTOR = "opencv"
# deepface looks for this file under $DEEPFACE_HOME/.deepface/weights/ and downloads it when
# it is missing; the PyPI package face-recognition-models ships it, so we put it there first.
# The opencv detector's Haar cascades ship inside opencv itself; Dlib's recognition model is
# fed faces that deepface already aligned, so no dlib shape predictor is needed.
WEIGHT_FILES = ("dlib_face_recognition_resnet_model_v1.dat",)
# Euclidean distance between Dlib embeddings at or below which two faces are one person,
# and the smallest face side matched (see Config for how they were chosen).
DEFAULT_THRESHOLD = Config.face_threshold
DEFAULT_MIN_FACE_PX = Config.face_min_px

REASONS = ("unreadable", "no_face", "several_faces", "face_too_small", "mismatch", "replay")


def _(message):
    """Mark a message for extraction; reason_text translates it when it is shown."""
    return message


REASON_MESSAGES = {
    "unreadable": _("This file is not a photo that can be read. Please send a JPEG or PNG photo."),
    "no_face": _("No face was found in the photo. Please face the camera in good light and try again."),
    "several_faces": _("There is more than one face in the photo. Please take a photo of yourself alone."),
    "face_too_small": _("The face is too small in the photo. Please hold the camera closer."),
    "mismatch": _("The face does not match the technician's enrolled face."),
    "replay": _("This is a copy of an earlier photo. Please take a new selfie now."),
}


def reason_text(reason, lang):
    """Return what a person is told about a refused photo, in their language."""
    return translations(lang).ugettext(REASON_MESSAGES[reason])


class FaceRefused(ValueError):
    """A photo cannot serve for matching; reason is one of REASONS, photo its position."""

    def __init__(self, reason, photo=None):
        super().__init__(reason if photo is None else f"photo {photo + 1}: {reason}")
        self.reason = reason
        self.photo = photo


class Match(NamedTuple):
    """The outcome of matching a selfie: distance is None when no face could be matched."""

    ok: bool
    distance: float | None
    reason: str | None


class _Model:
    """deepface with its Dlib model and opencv detector built, once per process."""

    lock = threading.Lock()
    deepface = None
    loads = 0
    load_seconds = 0.0


def default_deepface_home():
    """Return where the weights go when DEEPFACE_HOME is unset: inside the virtualenv."""
    return Path(sys.prefix) / "share" / "liftwatch-deepface"


def shipped_weights_dir():
    """Return the folder of weights inside the installed face-recognition-models package."""
    # Locate it without importing it: its __init__ needs pkg_resources, gone from new setuptools.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed: pip install -e '.[faces]'")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def install_weights(home):
    """Copy the shipped Dlib weights to where deepface looks, unless they are there; return that folder."""
    target = Path(home) / ".deepface" / "weights"
    target.mkdir(parents=True, exist_ok=True)
    for name in WEIGHT_FILES:
        if not (target / name).is_file():
            # Copy under a temporary name, then rename: another process never sees half a file.
            with tempfile.NamedTemporaryFile(dir=target, prefix=f".{name}.", delete=False) as partial:
                with open(shipped_weights_dir() / name, "rb") as source:
                    shutil.copyfileobj(source, partial)
            os.replace(partial.name, target / name)
    return target


def load_model():
    """Return deepface with the model and detector built, loading them on the first call only."""
    with _Model.lock:
        if _Model.deepface is None:
            started = time.perf_counter()
            install_weights(os.environ.setdefault("DEEPFACE_HOME", str(default_deepface_home())))
            # deepface picks tensorflow first when it is installed and imports it; Dlib needs none.
            os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")
            from deepface import DeepFace
            DeepFace.build_model(MODEL_NAME)
            DeepFace.build_model(DETECTOR, task="face_detector")
            _Model.deepface = DeepFace
            _Model.loads += 1
            _Model.load_seconds = time.perf_counter() - started
    return _Model.deepface


def model_loads():
    """Return how many times this process loaded the model, and how long the last load took."""
    return _Model.loads, _Model.load_seconds


def _faces(data):
    """Return deepface's faces (facial_area, embedding) found in image bytes, or raise FaceRefused."""
    try:
        image = photos.open_image(data)
    except photos.UnreadableImage as error:
        raise FaceRefused("unreadable") from error
    bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    try:
        return load_model().represent(bgr, model_name=MODEL_NAME, detector_backend=DETECTOR,
                                      enforce_detection=True, align=True)
    except ValueError as error:
        # deepface's FaceNotDetected is a ValueError; it is the only one an image can cause here.
        raise FaceRefused("no_face") from error


def embed_face(data, min_face_px=DEFAULT_MIN_FACE_PX):
    """Return the embedding of the one face in image bytes, or raise FaceRefused."""
    # Smaller detections are ignored: a face far behind the technician, or a false detection.
    faces = [face for face in _faces(data)
             if min(face["facial_area"]["w"], face["facial_area"]["h"]) >= min_face_px]
    if not faces:
        raise FaceRefused("face_too_small")
    if len(faces) > 1:
        raise FaceRefused("several_faces")
    return [float(value) for value in faces[0]["embedding"]]


def enrol_sync(images, min_face_px=DEFAULT_MIN_FACE_PX):
    """Return one embedding per reference photo; raise FaceRefused naming the first unusable one."""
    if not images:
        raise ValueError("enrolment needs at least one reference photo")
    embeddings = []
    for position, data in enumerate(images):
        try:
            embeddings.append(embed_face(data, min_face_px))
        except FaceRefused as refused:
            raise FaceRefused(refused.reason, position) from refused
    return embeddings


def distance(first, second):
    """Return the Euclidean distance between two embeddings."""
    return math.dist(first, second)


def match_sync(selfie, stored_embeddings, threshold=DEFAULT_THRESHOLD, min_face_px=DEFAULT_MIN_FACE_PX):
    """Match a selfie against a person's stored embeddings: (ok, distance, reason)."""
    if not stored_embeddings:
        raise ValueError("no stored embeddings to match against")
    try:
        embedding = embed_face(selfie, min_face_px)
    except FaceRefused as refused:
        return Match(False, None, refused.reason)
    nearest = min(distance(embedding, stored) for stored in stored_embeddings)
    ok = nearest <= threshold
    return Match(ok, round(nearest, 4), None if ok else "mismatch")


_executor_lock = threading.Lock()
_executor = None


def _face_executor():
    """Return the one thread that runs face work, so that concurrent matches queue, not thrash."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faces")
    return _executor


async def _off_loop(function, *args):
    """Run function in the face thread and await its result."""
    return await asyncio.get_running_loop().run_in_executor(_face_executor(), function, *args)


async def enrol(images, min_face_px=DEFAULT_MIN_FACE_PX):
    """Return one embedding per reference photo, computed off the event loop."""
    return await _off_loop(enrol_sync, list(images), min_face_px)


async def match(selfie, stored_embeddings, threshold=DEFAULT_THRESHOLD, min_face_px=DEFAULT_MIN_FACE_PX):
    """Match a selfie against stored embeddings off the event loop: (ok, distance, reason)."""
    return await _off_loop(match_sync, selfie, list(stored_embeddings), threshold, min_face_px)


async def warm_up():
    """Load the model off the event loop, so that the first selfie does not wait for it."""
    await _off_loop(load_model)
