"""The package metadata: installs without setuptools' deprecation warnings."""

import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())


def test_it_declares_its_licence_as_an_spdx_expression():
    # A TOML table here makes setuptools warn on every install (deprecated since setuptools 77).
    assert PYPROJECT["project"]["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in PYPROJECT["build-system"]["requires"]


def test_it_turns_resource_leaks_into_test_failures():
    filters = PYPROJECT["tool"]["pytest"]["ini_options"]["filterwarnings"]
    assert "error::ResourceWarning" in filters
