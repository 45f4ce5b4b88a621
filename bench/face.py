"""Time face matching on one core and measure the distances its threshold is chosen from.

    .venv/bin/python bench/face.py [--runs 30] [--all-cores]

On one core (the process pins itself to one CPU and sets the OpenMP, OpenBLAS and OpenCV
thread counts to 1, unless --all-cores), with a fresh temporary DEEPFACE_HOME, it reports:
- first use: copying the shipped weights into place, then importing deepface and building
  the Dlib model and the opencv detector (core.face_model.load_model);
- warm verify: core.faces.match_sync on 800 px JPEG selfies (decode, shrink, detect, align,
  embed, compare), median and p90 over --runs; then its two main parts, Haar detection on
  the 800 px image and the Dlib embedding of one aligned 150 x 150 face;
- how long the event loop stalls while matches run in a thread (dlib holds the GIL) and
  in the face process that core.faces.match uses;
- the distance distributions: each of the two test people (scikit-image's astronaut,
  matplotlib's Grace Hopper) enrolled from the original photo and matched with its
  variations (tests/face_samples.py) and with the other person's photos; and the
  perceptual-hash distances of copies, variations and different photos.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pin_to_one_core():
    """Run this process on one CPU with single-threaded numeric libraries."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def percentile(values, share):
    """Return the value below which share of the sorted values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(function, *args):
    """Return function's result and the wall-clock seconds it took."""
    return cpu_timed(function, *args)[:2]


def cpu_timed(function, *args):
    """Return function's result, the wall-clock seconds and the CPU seconds of this thread it took."""
    started, cpu = time.perf_counter(), time.thread_time()
    result = function(*args)
    return result, time.perf_counter() - started, time.thread_time() - cpu


def summary(wall, cpu):
    """Format median and p90 of wall-clock and CPU seconds."""
    return (f"median {statistics.median(wall):.3f} s, p90 {percentile(wall, 0.9):.3f} s wall-clock; "
            f"median {statistics.median(cpu):.3f} s, p90 {percentile(cpu, 0.9):.3f} s CPU")


def at_800(image):
    """Scale an image so that its longer side is 800 px."""
    from tests import face_samples
    return face_samples.resize(image, 800 / max(image.size))


def first_use(home):
    """Time placing the weights and loading the model, in a fresh DEEPFACE_HOME."""
    from core import face_model
    os.environ["DEEPFACE_HOME"] = home
    _, copy_seconds = timed(face_model.install_weights, home)
    _, load_seconds, load_cpu = cpu_timed(face_model.load_model)
    print(f"first use: weights copied in {copy_seconds:.2f} s; deepface imported and model built in "
          f"{load_seconds:.2f} s wall-clock, {load_cpu:.2f} s CPU")


def warm_verify(faces, samples, runs):
    """Time match_sync on 800 px selfies of the enrolled astronaut."""
    stored = faces.enrol_sync([samples.encode(samples.astronaut())])
    selfies = [samples.encode(at_800(image)) for image in samples.variations(samples.astronaut()).values()]
    wall, cpu = [], []
    for run in range(runs):
        result, seconds, cpu_seconds = cpu_timed(faces.match_sync, selfies[run % len(selfies)], stored)
        assert result.ok, result
        wall.append(seconds)
        cpu.append(cpu_seconds)
    print(f"warm verify at 800 px, {runs} runs: {summary(wall, cpu)} (target: median <= 0.5 s)")


def parts(faces, samples, runs):
    """Time Haar detection on an 800 px photo and the Dlib embedding of one aligned face."""
    import numpy as np
    from core import face_model
    deepface = face_model.load_model()
    detector = deepface.build_model(face_model.DETECTOR, task="face_detector")
    model = deepface.build_model(face_model.MODEL_NAME)
    bgr = np.ascontiguousarray(np.asarray(at_800(samples.astronaut()))[:, :, ::-1])
    for smallest in (0, faces.DEFAULT_MIN_FACE_PX):
        with face_model.smallest_face(smallest):
            detect = [cpu_timed(detector.detect_faces, bgr)[1:] for _ in range(runs)]
        print(f"Haar face and eye detection at 800 x 800, faces from {smallest or 24} px: {summary(*zip(*detect))}")
    face = np.random.default_rng(1).random((150, 150, 3))
    embed = [cpu_timed(model.forward, face)[1:] for _ in range(runs)]
    print(f"Dlib embedding of one aligned 150 x 150 face: {summary(*zip(*embed))}")


def loop_stall(faces, samples):
    """Print the longest gap of a 5 ms ticker while matches run in a thread, then in the face process."""
    import asyncio

    async def longest_gap(run_match, stored, selfies):
        gaps, last = [], time.perf_counter()

        async def tick():
            nonlocal last
            while True:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        for selfie in selfies:
            await run_match(selfie, stored)
        ticker.cancel()
        return max(gaps) * 1000

    async def measure():
        stored = faces.enrol_sync([samples.encode(samples.astronaut())])
        selfies = [samples.encode(at_800(image)) for image in (samples.astronaut(), samples.hopper())] * 3
        in_thread = await longest_gap(lambda s, e: asyncio.to_thread(faces.match_sync, s, e), stored, selfies)
        await faces.warm_up()
        in_process = await longest_gap(faces.match, stored, selfies)
        faces.shutdown()
        return in_thread, in_process

    in_thread, in_process = asyncio.run(measure())
    print(f"event loop, longest gap of a 5 ms ticker during 6 matches: {in_thread:.0f} ms with a thread, "
          f"{in_process:.0f} ms with the face process")


def spread(values):
    """Format min / median / max of distances."""
    return f"min {min(values):.3f}  median {statistics.median(values):.3f}  max {max(values):.3f}  (n={len(values)})"


def face_distances(faces, samples):
    """Print same-person and different-person distances over the two people's photos."""
    people = {"astronaut": samples.astronaut(), "hopper": samples.hopper()}
    reference = {name: faces.embed_face(samples.encode(image)) for name, image in people.items()}
    photos_of = {name: {"original": image, **samples.variations(image)} for name, image in people.items()}
    embedded = {(name, label): faces.embed_face(samples.encode(image))
                for name, images in photos_of.items() for label, image in images.items()}
    same, different = [], []
    for name, ref in reference.items():
        print(f"  {name} enrolled from its original photo:")
        for (person, label), embedding in embedded.items():
            gap = faces.distance(ref, embedding)
            if person != name:
                different.append(gap)
            elif label != "original":
                same.append(gap)
                print(f"    {label:<26} {gap:.3f}")
    print(f"same person      (variations vs own reference): {spread(same)}")
    print(f"different people (every photo vs the other's reference): {spread(different)}")
    print(f"threshold {faces.DEFAULT_THRESHOLD}: largest same-person margin "
          f"{faces.DEFAULT_THRESHOLD - max(same):.3f}, smallest different-person margin "
          f"{min(different) - faces.DEFAULT_THRESHOLD:.3f}")


def hash_distances(samples):
    """Print perceptual-hash distances of copies, variations and different photos."""
    import itertools
    from core import photos
    people = {"astronaut": samples.astronaut(), "hopper": samples.hopper()}
    originals = {**people, **{name: samples.scene(name) for name in samples.SCENES}}
    hashes = {name: photos.phash(samples.encode(image)) for name, image in originals.items()}
    copies, variations = [], []
    for name, image in people.items():
        copies += [photos.hash_distance(hashes[name], photos.phash(samples.encode(c)))
                   for c in samples.copies(image).values()]
        variations += [photos.hash_distance(hashes[name], photos.phash(samples.encode(v)))
                       for v in samples.variations(image).values()]
    pairs = {(a, b): photos.hash_distance(hashes[a], hashes[b]) for a, b in itertools.combinations(hashes, 2)}
    stereo = pairs.pop(("stereo_left", "stereo_right"))
    print(f"phash copies (re-encoded, resized, brightened): {spread(copies)}")
    print(f"phash variations (crop, rotate, mirror...):   {spread(variations)}")
    print(f"phash different photos ({len(pairs)} pairs):        {spread(list(pairs.values()))}")
    print(f"phash one scene shot a few cm apart (stereo pair): {stereo}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--all-cores", action="store_true")
    args = parser.parse_args()
    if not args.all_cores:
        print(f"pinned to CPU {pin_to_one_core()}, numeric libraries single-threaded")
    from core import faces
    from tests import face_samples as samples
    # Kept for the whole run: the face process that loop_stall starts loads from it too.
    with tempfile.TemporaryDirectory(prefix="liftwatch-bench-deepface-") as home:
        first_use(home)
        if not args.all_cores:
            import cv2
            cv2.setNumThreads(1)
        warm_verify(faces, samples, args.runs)
        parts(faces, samples, args.runs)
        loop_stall(faces, samples)
        face_distances(faces, samples)
        hash_distances(samples)


if __name__ == "__main__":
    main()
