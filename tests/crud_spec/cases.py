"""The spec files, which of them the embedded server must pass, and the tests they hold."""

from bson import json_util

from tests.crud_spec.fetch import spec_dir

# Files whose operations are all in docs/storage.md "The subset we use": every test in
# them must pass (a refusal counts as a failure). Any other file's tests pass or are refused.
IN_SUBSET = {
    "insertOne", "insertMany", "find", "findOne", "count", "count-empty", "distinct",
    "updateOne", "updateMany", "replaceOne", "deleteOne", "deleteMany",
    "findOneAndUpdate", "findOneAndReplace", "findOneAndReplace-upsert", "findOneAndDelete",
    "bulkWrite", "aggregate", "create-null-ids",
    # Updates and replacements that the driver itself must refuse (no server involved).
    "updateOne-validation", "updateMany-validation", "replaceOne-validation", "bulkWrite-update-validation",
}

# Files with tests that still fail on the embedded server (a wrong answer, a Python error,
# no reply). Their failing tests are reported as xfail "known failing", so the suite stays
# green while the engine catches up; tests in them that pass, pass. The goal is an empty set.
KNOWN_FAILING = set()


class Case:
    """One test of one spec file."""

    def __init__(self, stem, spec, test):
        self.stem, self.spec, self.test = stem, spec, test

    @property
    def id(self):
        """Return a readable test id: file and description."""
        return f"{self.stem}: {self.test['description']}"

    @property
    def in_subset(self):
        """Tell whether the file's operations are all in the subset liftwatch uses."""
        return self.stem in IN_SUBSET


def load_cases(folder=None):
    """Return every test of every spec file, or [] when the files are not there."""
    folder = folder or spec_dir()
    cases = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        spec = json_util.loads(path.read_text())
        cases.extend(Case(path.stem, spec, test) for test in spec["tests"])
    return cases
