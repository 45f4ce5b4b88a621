"""The server the CRUD spec tests run against, and the pass/refuse/fail summary."""

import collections
import os

import pytest
from pymongo import MongoClient

from core.store.embedded import EmbeddedProcess
from tests.crud_spec.cases import IN_SUBSET, KNOWN_FAILING, load_cases
from tests.crud_spec.runner import CLIENT_OPTIONS, ServerInfo

_TALLY = {"pass": 0, "refuse": 0, "fail": 0, "known failing": 0, "skip": 0, "subset fail": 0}
_RUN_PER_FILE, _FILES_FAILING = collections.Counter(), set()


def start_server(data_dir):
    """Start the embedded server on data_dir; return its URI and a function that stops it."""
    process = EmbeddedProcess(data_dir)
    return process.start(), process.stop


@pytest.fixture(scope="session")
def crud_uri(tmp_path_factory):
    """Yield the URI of a server of the spec tests' own (or LIFTWATCH_TEST_MONGODB_URI)."""
    uri = os.environ.get("LIFTWATCH_TEST_MONGODB_URI")
    if uri:
        yield uri
        return
    uri, stop = start_server(tmp_path_factory.mktemp("crud-spec-db"))
    yield uri
    stop()


@pytest.fixture(scope="session")
def crud_internal(crud_uri):
    """Yield the runner's own client, which sets up data and reads the outcome."""
    client = MongoClient(crud_uri, **CLIENT_OPTIONS)
    yield client
    client.close()


@pytest.fixture(scope="session")
def crud_server_info(crud_internal):
    """Return the version and topology that runOnRequirements are checked against."""
    return ServerInfo(crud_internal)


def pytest_runtest_logreport(report):
    """Count each spec test's outcome."""
    if "crud_spec/test_crud_spec.py" not in report.nodeid:
        return
    wasxfail = getattr(report, "wasxfail", "")
    stem = report.nodeid.split("[", 1)[-1].split(":", 1)[0]
    _RUN_PER_FILE[stem] += report.when == "call" or report.skipped
    if report.when == "call" and report.passed and not wasxfail:
        _TALLY["pass"] += 1
    elif wasxfail.startswith("refused"):
        _TALLY["refuse"] += 1
    elif wasxfail.startswith("known failing") or report.failed:
        _TALLY["known failing" if wasxfail else "fail"] += 1
        _TALLY["subset fail"] += stem in IN_SUBSET
        _FILES_FAILING.add(stem)
    elif report.skipped and not wasxfail:
        _TALLY["skip"] += 1


def pytest_terminal_summary(terminalreporter):
    """Print the pass, refuse and fail counts of the CRUD spec tests."""
    if sum(_TALLY.values()):
        fails = _TALLY["fail"] + _TALLY["known failing"]
        terminalreporter.write_line(
            f"CRUD spec: {_TALLY['pass']} pass, {_TALLY['refuse']} refused, {fails} fail "
            f"({_TALLY['known failing']} of them known failing; {_TALLY['subset fail']} in files of the subset), "
            f"{_TALLY['skip']} not applicable (skipped)")
        whole = {stem for stem, n in collections.Counter(c.stem for c in load_cases()).items()
                 if _RUN_PER_FILE[stem] == n}
        fixed = sorted((KNOWN_FAILING & whole) - _FILES_FAILING)
        if fixed:
            terminalreporter.write_line(f"CRUD spec: no longer failing, remove from KNOWN_FAILING: {', '.join(fixed)}")
