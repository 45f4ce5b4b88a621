"""Face enrolment and selfie matching with deepface's Dlib model; the async calls run in a face process."""

import asyncio
import math
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import NamedTuple

import numpy as np

from core import photos
from core.config import Config
from core.face_model import DETECTOR, MODEL_NAME, load_model, model_loads, smallest_face
from core.i18n import translations

# Euclidean distance between Dlib embeddings at or below which two faces are one person,
# and the smallest face side matched (see Config for how they were chosen).
DEFAULT_THRESHOLD = Config.face_threshold
DEFAULT_MIN_FACE_PX = Config.face_min_px
# A second face in a reference photo refuses it only when the detector is this sure of it.
SURE_FACE_CONFIDENCE = 0.97

# several_faces refuses reference photos only: a selfie is matched on its largest face.
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

    def __reduce__(self):
        # Rebuilt from reason and photo when it comes back from the face process.
        return FaceRefused, (self.reason, self.photo)


class Match(NamedTuple):
    """The outcome of matching a selfie: distance is None when no face could be matched."""

    ok: bool
    distance: float | None
    reason: str | None


def _faces(data, min_face_px):
    """Return deepface's faces (facial_area, embedding) of at least min_face_px in image bytes, or raise FaceRefused."""
    try:
        image = photos.open_image(data)
    except photos.UnreadableImage as error:
        raise FaceRefused("unreadable") from error
    bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    deepface = load_model()
    try:
        with smallest_face(min_face_px):
            return deepface.represent(bgr, model_name=MODEL_NAME, detector_backend=DETECTOR,
                                      enforce_detection=True, align=True)
    except ValueError as error:
        # deepface's FaceNotDetected is a ValueError; it is the only one an image can cause here.
        # Look again at every size, to tell a face too small from none at all.
        detector = deepface.build_model(DETECTOR, task="face_detector")
        raise FaceRefused("face_too_small" if detector.detect_faces(bgr) else "no_face") from error


def _side(face):
    """Return the shorter side of a detected face, in pixels."""
    return min(face["facial_area"]["w"], face["facial_area"]["h"])


def _sure(face):
    """Tell whether the detector is as sure of this face as it is of real faces."""
    # deepface reports opencv's confidence as (100 - Haar level weight) / 100: lower is surer.
    # Measured (docs/faces.md): real faces 0.90-0.97, false detections on a spacesuit 0.99-1.01.
    return face["face_confidence"] <= SURE_FACE_CONFIDENCE


def embed_face(data, min_face_px=DEFAULT_MIN_FACE_PX, alone=False):
    """Return the embedding of the largest face in image bytes (alone: refuse a sure second face)."""
    # Faces smaller than min_face_px are ignored: a face far behind the person, or a false detection.
    faces = sorted((face for face in _faces(data, min_face_px) if _side(face) >= min_face_px),
                   key=_side, reverse=True)
    if not faces:
        raise FaceRefused("face_too_small")
    if alone and any(_sure(face) for face in faces[1:]):
        raise FaceRefused("several_faces")
    return [float(value) for value in faces[0]["embedding"]]


def enrol_sync(images, min_face_px=DEFAULT_MIN_FACE_PX):
    """Return one embedding per reference photo; raise FaceRefused naming the first unusable one."""
    if not images:
        raise ValueError("enrolment needs at least one reference photo")
    embeddings = []
    for position, data in enumerate(images):
        try:
            embeddings.append(embed_face(data, min_face_px, alone=True))
        except FaceRefused as refused:
            raise FaceRefused(refused.reason, position) from refused
    return embeddings


def distance(first, second):
    """Return the Euclidean distance between two embeddings."""
    return math.dist(first, second)


def match_sync(selfie, stored_embeddings, threshold=DEFAULT_THRESHOLD, min_face_px=DEFAULT_MIN_FACE_PX):
    """Match the largest face of a selfie against a person's stored embeddings: (ok, distance, reason)."""
    if not stored_embeddings:
        raise ValueError("no stored embeddings to match against")
    try:
        embedding = embed_face(selfie, min_face_px)
    except FaceRefused as refused:
        return Match(False, None, refused.reason)
    nearest = min(distance(embedding, stored) for stored in stored_embeddings)
    ok = nearest <= threshold
    return Match(ok, round(nearest, 4), None if ok else "mismatch")


class _Pool:
    """The one process that does the face work of this process's event loop, started on first use."""

    lock = threading.Lock()
    executor = None


def _face_pool():
    """Return the face process pool, starting it if need be."""
    with _Pool.lock:
        if _Pool.executor is None:
            # A process, not a thread: dlib's embedding holds the GIL for its whole 0.07 s of CPU
            # (measured on a loaded machine: a thread stalled the event loop up to 311-449 ms,
            # the face process 42-80 ms; docs/faces.md).
            # One worker: concurrent matches queue instead of splitting one core between them.
            # Spawned, not forked: the parent runs an event loop and threads that must not be copied.
            _Pool.executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _Pool.executor


def shutdown():
    """Stop the face process, if one was started; the next call starts a new one."""
    with _Pool.lock:
        executor, _Pool.executor = _Pool.executor, None
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)


async def _off_loop(function, *args):
    """Run function in the face process and await its result; start a new process if the old one died."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_face_pool(), function, *args)
    except BrokenProcessPool:
        shutdown()
        return await loop.run_in_executor(_face_pool(), function, *args)


async def enrol(images, min_face_px=DEFAULT_MIN_FACE_PX):
    """Return one embedding per reference photo, computed in the face process."""
    return await _off_loop(enrol_sync, list(images), min_face_px)


async def match(selfie, stored_embeddings, threshold=DEFAULT_THRESHOLD, min_face_px=DEFAULT_MIN_FACE_PX):
    """Match a selfie against stored embeddings in the face process: (ok, distance, reason)."""
    return await _off_loop(match_sync, selfie, list(stored_embeddings), threshold, min_face_px)


def _load_in_worker():
    """Load the model and return the face process's id and its model_loads()."""
    load_model()
    return os.getpid(), *model_loads()


async def warm_up():
    """Start the face process and load its model; return its pid, loads and last load seconds."""
    return await _off_loop(_load_in_worker)
