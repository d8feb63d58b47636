"""Schemathesis over every operation of every running service, as an administrator and as a
registrar: generated requests (valid and not) must never get a 5xx, nor a status the operation's
OpenAPI does not document. Bounded and derandomized, so a run is the same run every time."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from shared.auth.principal import Role
from shared.config import SERVICE_PORTS
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer

EXAMPLES_PER_OPERATION = 12


def _fuzz(base_url: str, headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(base_url=base_url, headers=headers, timeout=10,
                                   checks=[not_a_server_error, status_code_conformance])

        try:
            run()
        except Exception as exc:  # one line per failing operation, all of them reported together
            failures.append(f"{operation.label}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    return failures


ROOT = "E2E-FUZZ"


@pytest.fixture(scope="module")
def fuzz_root(platform: Platform) -> str:
    """A root unit of the fuzzing's own, known to every service, so generated requests get past the
    scope check into validation and the handlers (and never touch other tests' units)."""
    admin = bearer(platform, org=ROOT)
    r = httpx.post(f"{platform.url('registry')}/org-units", headers={**admin, "Idempotency-Key": "e2e-fuzz-root"},
                   json={"code": ROOT, "name": "Đơn vị thử nghiệm ngẫu nhiên", "kind": "country"}, timeout=10)
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 30
    for service in SERVICE_PORTS:
        while httpx.get(f"{platform.url(service)}/openapi.json", timeout=10).status_code != 200 or httpx.get(
                f"{platform.url(service)}/admin/dead-letters", headers=admin, timeout=10).status_code != 200:
            assert time.monotonic() < deadline, f"{service} never learned of {ROOT}"
            time.sleep(0.1)
    return ROOT


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_no_operation_answers_a_5xx_or_an_undocumented_status(platform: Platform, fuzz_root: str,
                                                              service: str) -> None:
    failures = []
    for who, headers in (("administrator", bearer(platform, org=fuzz_root)),
                         ("registrar", bearer(platform, [Role.REGISTRAR], org=fuzz_root))):
        failures += [f"{who} {line}" for line in _fuzz(platform.url(service), headers)]
    assert not failures, "\n".join(failures)
