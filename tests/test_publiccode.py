"""publiccode.yml follows the standard and says what the repository's licence files say."""

import copy
import hashlib
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "publiccode-0.4.schema.json").read_text())
# The SHA-256 of the EUPL-1.2 text as SPDX publishes it (taken from the npm package
# spdx-license-list 6.12.0), ending in one newline: LICENSE must be that text, unchanged.
EUPL_1_2_SHA256 = "57fb42fbcd0b037ce528ed8f72f1ec095d67bc6825ecf1448ff39be1fe68a4b4"


def _publiccode() -> dict:
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


def _errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [error.message for error in validator.iter_errors(document)]


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_publiccode_yml_is_valid_against_the_standard():
    assert _errors(_publiccode()) == []


def test_publiccode_yml_describes_the_software_in_dutch_and_english():
    description = _publiccode()["description"]
    assert set(description) >= {"nl", "en"}


def test_publiccode_yml_licence_matches_pyproject_and_license_file():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert _publiccode()["legal"]["license"] == "EUPL-1.2"
    assert pyproject["project"]["license"] == "EUPL-1.2"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2\n")
    assert hashlib.sha256(text.encode()).hexdigest() == EUPL_1_2_SHA256


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("legal"), "'legal' is a required property"),
        (lambda d: d.update(developmentStatus="finished"), "'finished' is not one of"),
        (lambda d: d.update(softwareType="website"), "'website' is not one of"),
        (lambda d: d["description"]["nl"].update(shortDescription="x" * 151), "is too long"),
        (lambda d: d["description"]["en"].update(longDescription="Too short."), "is too short"),
        (lambda d: d["maintenance"].pop("contractors"), "'contractors' is a required property"),
        (lambda d: d["maintenance"]["contractors"][0].update(until="31-12-2027"), "does not match"),
        (lambda d: d.update(categories=["ticketing"]), "'ticketing' is not one of"),
        (lambda d: d.update(url="git@example.org:repo.git"), "does not match"),
        (lambda d: d.update(unknownKey=1), "does not match any of the regexes"),
    ],
)
def test_the_schema_refuses_a_document_that_breaks_the_standard(change, message):
    document = copy.deepcopy(_publiccode())
    change(document)
    errors = _errors(document)
    assert any(message in error for error in errors), errors
