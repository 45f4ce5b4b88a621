"""Fetch MongoDB's CRUD unified-format spec files from the pinned pymongo's source distribution.

The files are not copied into the repository: `tests/run.sh` runs this module, which
downloads the sdist of the pymongo version installed here with pip and keeps only
`test/crud/unified/*.json`, in `.cache/crud-unified/<version>/`.
"""

import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "crud-unified"
MEMBER_DIR = "test/crud/unified/"


def pymongo_version():
    """Return the version of the pymongo installed in this environment."""
    return importlib.metadata.version("pymongo")


def spec_dir(version=None):
    """Return the folder holding the spec files of a pymongo version."""
    return CACHE / (version or pymongo_version())


def fetch(version=None):
    """Download and extract the spec files unless they are already there; return their folder."""
    target = spec_dir(version)
    if target.is_dir() and any(target.glob("*.json")):
        return target
    version = version or pymongo_version()
    with tempfile.TemporaryDirectory(prefix="crud-spec-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
                        f"pymongo=={version}", "-d", tmp], check=True)
        sdist = next(Path(tmp).glob(f"pymongo-{version}.tar.gz"))
        staging = Path(tmp) / "unified"
        staging.mkdir()
        _extract_json(sdist, staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(staging, target)
    return target


def _extract_json(sdist, dest):
    """Copy test/crud/unified/*.json out of the sdist into dest, and nothing else."""
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            name = member.name.split("/", 1)[-1]
            if not (member.isfile() and name.startswith(MEMBER_DIR) and name.endswith(".json")):
                continue
            rest = name[len(MEMBER_DIR):]
            if "/" in rest:
                continue
            (dest / rest).write_bytes(tar.extractfile(member).read())


def main():
    """Fetch the files and say where they are."""
    target = fetch()
    print(f"CRUD spec files: {len(list(target.glob('*.json')))} in {target}")


if __name__ == "__main__":
    main()
