"""Replay the database commands of a bench run in-process: the engine's CPU per command, without the wire.

    BENCH_DB_RECORD=/tmp/rescue.cmds .venv/bin/python bench/rescue.py   # records (bench/dbcount.py)
    .venv/bin/python bench/dbreplay.py /tmp/rescue.cmds [--runs 4] [--profile]

Each run starts the engine (`wiremongo.commands.wire_backend`, as the wire server runs it)
on a fresh temporary data directory, replays every recorded command on one thread, and
times (CPU, `time.process_time`) those between the last two marks (the bench's
`benchCommandCounts` calls: for bench/rescue.py, from the taps to the last message). It
prints the fastest run's CPU per command, and by command and collection; `--profile`
prints cProfile's busiest functions of the timed part of the last run.
"""

import argparse
import cProfile
import collections
import pickle
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wiremongo.commands import wire_backend  # noqa: E402


def load(path):
    """Return (commands before the timed part, the timed commands) of a recording."""
    entries = []
    with open(path, "rb") as handle:
        while True:
            try:
                entries.append(pickle.load(handle))
            except EOFError:
                break
    marks = [i for i, entry in enumerate(entries) if entry is None]
    if len(marks) < 2:
        raise SystemExit(f"{path} holds {len(marks)} mark(s); the timed part lies between the last two")
    start, stop = marks[-2], marks[-1]
    return [e for e in entries[:start] if e is not None], [e for e in entries[start:stop] if e is not None]


def replay(before, timed, profile=None):
    """Run the commands on a fresh engine; return {command and collection: [count, CPU seconds]}."""
    with tempfile.TemporaryDirectory(prefix="dbreplay-") as data_dir:
        engine = wire_backend(data_dir)
        try:
            for db_name, command in before:
                engine.run(db_name, pickle.loads(pickle.dumps(command)))
            commands = [(db_name, pickle.loads(pickle.dumps(command))) for db_name, command in timed]
            figures = collections.defaultdict(lambda: [0, 0.0])
            if profile is not None:
                profile.enable()
            for db_name, command in commands:
                name = next(iter(command))
                began = time.process_time()
                engine.run(db_name, command)
                figure = figures[f"{name} {command[name]}" if isinstance(command[name], str) else name]
                figure[0] += 1
                figure[1] += time.process_time() - began
            if profile is not None:
                profile.disable()
            return figures
        finally:
            engine.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    before, timed = load(args.recording)
    runs = [replay(before, timed) for _ in range(args.runs - 1)]
    profile = cProfile.Profile() if args.profile else None
    runs.append(replay(before, timed, profile))
    best = min(runs, key=lambda figures: sum(seconds for _, seconds in figures.values()))
    total = sum(seconds for _, seconds in best.values())
    print(f"{len(timed)} commands, {total:.3f} s CPU: {total / len(timed) * 1000:.3f} ms per command "
          f"(fastest of {args.runs} runs)")
    for key, (count, seconds) in sorted(best.items(), key=lambda kv: -kv[1][1]):
        print(f"  {key:<40}{count:>6}{seconds / count * 1000:>9.3f} ms")
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
