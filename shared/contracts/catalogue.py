"""Generates and checks the committed JSON Schema catalogue of the public contracts.

`dvk contracts` (or `python -m shared.contracts.catalogue`) rewrites `catalogue/`; the test suite
fails when the code and the catalogue differ, and says whether the difference would break an
existing subscriber (then it must be a new version, not an edit).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.contracts import ALL_CONTRACTS, IntegrationEvent

CATALOGUE_DIR = Path(__file__).parent / "catalogue"


def schema_of(contract: type[IntegrationEvent]) -> dict[str, Any]:
    schema = contract.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:dvk:contract:{contract.ce_type()}"
    schema["x-ce-type"] = contract.ce_type()
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_catalogue(directory: Path = CATALOGUE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for contract in ALL_CONTRACTS:
        path = directory / contract.schema_file()
        path.write_text(render(schema_of(contract)), encoding="utf-8")
        written.append(path)
    return written


def breaking_changes(old: dict[str, Any], new: dict[str, Any], where: str = "") -> list[str]:
    """What in `new` would make a subscriber written against `old` fail.

    A subscriber built on `old` relies on every property `old` promised to be there, with its type.
    So removing or retyping a property, or making a promised one optional, breaks it; adding an
    optional or required property does not (readers ignore unknown fields).
    """
    problems: list[str] = []
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    new_required = set(new.get("required", []))
    for name in old.get("required", []):
        path = f"{where}.{name}" if where else name
        if name not in new_props:
            problems.append(f"{path}: removed")
        elif name not in new_required:
            problems.append(f"{path}: no longer required")
    for name, old_prop in old_props.items():
        path = f"{where}.{name}" if where else name
        if name in new_props and _type_of(old_prop) != _type_of(new_props[name]):
            problems.append(f"{path}: type {_type_of(old_prop)} became {_type_of(new_props[name])}")
    for name, old_def in old.get("$defs", {}).items():
        if name in new.get("$defs", {}):
            problems += breaking_changes(old_def, new["$defs"][name], f"$defs.{name}")
    return problems


def _type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"])
    if "anyOf" in prop:
        return "|".join(sorted(_type_of(p) for p in prop["anyOf"]))
    if "enum" in prop:
        return f"enum{sorted(prop['enum'])}"
    if "const" in prop:
        return f"const:{prop['const']}"
    kind = str(prop.get("type", "any"))
    if kind == "array":
        return f"array[{_type_of(prop.get('items', {}))}]"
    return kind + (f":{prop['format']}" if "format" in prop else "")


if __name__ == "__main__":
    for p in write_catalogue():
        print(p)
