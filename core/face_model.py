"""deepface's Dlib model and opencv detector: weights put in place from a PyPI package, loaded once per process."""

import contextlib
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

MODEL_NAME = "Dlib"
DETECTOR = "opencv"
# deepface looks for this file under $DEEPFACE_HOME/.deepface/weights/ and downloads it when
# it is missing; the PyPI package face-recognition-models ships it, so we put it there first.
# The opencv detector's Haar cascades ship inside opencv itself; Dlib's recognition model is
# fed faces that deepface already aligned, so no dlib shape predictor is needed.
WEIGHT_FILES = ("dlib_face_recognition_resnet_model_v1.dat",)


class _Smallest(threading.local):
    """The smallest face side, in pixels, the Haar cascade looks for in this thread (0: any)."""

    px = 0


_smallest = _Smallest()


class _CascadeFromSmallest:
    """deepface's Haar face cascade, told not to look for faces smaller than we would match."""

    def __init__(self, cascade):
        self.cascade = cascade

    def detectMultiScale3(self, image, *args, **kwargs):  # noqa: N802 - OpenCV's name
        """Detect faces from the current smallest size up."""
        # The cascade spends most of its time on its first, full-resolution scales, looking for
        # 24 px faces we would ignore anyway. Starting at 80 px cut face and eye detection on an
        # 800 px photo from 0.34 to 0.10 s of CPU, a whole match from 0.54 to 0.24 s (docs/faces.md).
        return self.cascade.detectMultiScale3(image, *args, minSize=(_smallest.px, _smallest.px), **kwargs)


@contextlib.contextmanager
def smallest_face(px):
    """Make the face cascade skip faces smaller than px in this thread, within the block."""
    _smallest.px = px
    try:
        yield
    finally:
        _smallest.px = 0


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
            _copy_atomically(shipped_weights_dir() / name, target / name)
    return target


def _copy_atomically(source, destination):
    """Copy under a temporary name, then rename: another process never sees half a file."""
    with tempfile.NamedTemporaryFile(dir=destination.parent, prefix=f".{destination.name}.", delete=False) as partial:
        try:
            with open(source, "rb") as reader:
                shutil.copyfileobj(reader, partial)
        except BaseException:
            os.unlink(partial.name)
            raise
    os.replace(partial.name, destination)


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
            detector = DeepFace.build_model(DETECTOR, task="face_detector")
            # deepface 0.0.103 keeps the cascades in this dict and calls detectMultiScale3(img, 1.1, 10, ...).
            detector.model["face_detector"] = _CascadeFromSmallest(detector.model["face_detector"])
            _Model.deepface = DeepFace
            _Model.loads += 1
            _Model.load_seconds = time.perf_counter() - started
    return _Model.deepface


def model_loads():
    """Return how many times this process loaded the model, and how long the last load took."""
    return _Model.loads, _Model.load_seconds
