"""MongoDB's CRUD specification tests (unified format) against the database the tests use."""

import pytest

from tests.crud_spec.cases import KNOWN_FAILING, load_cases
from tests.crud_spec.fetch import spec_dir
from tests.crud_spec.runner import Refused, Skip, CaseRun

CASES = load_cases()


@pytest.mark.skipif(not CASES, reason=f"CRUD spec files missing: run `python -m tests.crud_spec.fetch` "
                                      f"(tests/run.sh does) to put them in {spec_dir()}")
@pytest.mark.parametrize("case", CASES or [None], ids=lambda c: c.id if c else "no-files")
def test_it_passes_or_refuses_each_crud_spec_test(case, crud_uri, crud_internal, crud_server_info):
    """Pass, or be refused in MongoDB's error shape outside the subset; never answer wrongly."""
    unmet = crud_server_info.unmet(case.spec.get("runOnRequirements")) or \
        crud_server_info.unmet(case.test.get("runOnRequirements"))
    if unmet:
        pytest.skip(unmet)
    if case.test.get("skipReason"):
        pytest.skip(case.test["skipReason"])
    try:
        CaseRun(crud_uri, case.spec, case.test, crud_internal).run()
    except Skip as skip:
        pytest.skip(str(skip))
    except Refused as refused:
        if case.in_subset:
            _fail(case, f"refused an operation of the subset: {refused}")
        pytest.xfail(f"refused: {refused}")
    except Exception as exc:  # noqa: BLE001 - any other outcome is a failure
        _fail(case, f"{type(exc).__name__}: {exc}")


def _fail(case, message):
    if case.stem in KNOWN_FAILING:
        pytest.xfail(f"known failing: {message}")
    pytest.fail(message, pytrace=False)
