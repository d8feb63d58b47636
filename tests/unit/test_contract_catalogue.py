"""The committed catalogue is the published API: code that drifts from it fails here."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from shared.contracts import ALL_CONTRACTS, IntegrationEvent
from shared.contracts.catalogue import CATALOGUE_DIR, breaking_changes, schema_of
from tests.events import model_registered


@pytest.mark.parametrize("contract", ALL_CONTRACTS, ids=lambda c: c.ce_type())
def test_code_and_committed_catalogue_agree(contract: type[IntegrationEvent]) -> None:
    path = CATALOGUE_DIR / contract.schema_file()
    assert path.exists(), f"{path.name} is missing: run `dvk contracts` and commit the catalogue"
    committed = json.loads(path.read_text(encoding="utf-8"))
    current = schema_of(contract)
    breaks = breaking_changes(committed, current)
    assert not breaks, (f"{contract.ce_type()} would break existing subscribers: {breaks}. "
                        "Publish a new version (v{n+1}) beside the old one instead.")
    assert committed == current, "compatible change: run `dvk contracts` and commit the catalogue"


def test_every_catalogue_file_belongs_to_a_contract() -> None:
    known = {c.schema_file() for c in ALL_CONTRACTS}
    assert {p.name for p in CATALOGUE_DIR.glob("*.json")} == known


def test_an_event_as_published_validates_against_its_committed_schema() -> None:
    event = model_registered()
    schema = json.loads((CATALOGUE_DIR / event.schema_file()).read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(event.model_dump(mode="json"))


def test_breaking_change_detector() -> None:
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a", "b"]}
    assert breaking_changes(old, old) == []
    added = {"properties": {**old["properties"], "c": {"type": "string"}}, "required": ["a", "b", "c"]}
    assert breaking_changes(old, added) == []
    removed = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert breaking_changes(old, removed) == ["b: removed"]
    retyped = {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}
    assert breaking_changes(old, retyped) == ["a: type string became integer"]
    optional = {"properties": old["properties"], "required": ["a"]}
    assert breaking_changes(old, optional) == ["b: no longer required"]
