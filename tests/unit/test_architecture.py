"""The architecture's import rules, checked by import-linter as part of the test suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _lint(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = [str(Path(sys.executable).parent / "lint-imports")]
    if config is not None:
        args += ["--config", str(config)]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_services_are_independent_and_the_platform_imports_no_service() -> None:
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Services are independent of each other KEPT" in result.stdout
    assert "The platform does not depend on any service KEPT" in result.stdout


def test_the_contract_would_catch_a_service_importing_another(tmp_path: Path) -> None:
    """The same kind of contract, pointed at a pair that does depend on each other, must break."""
    config = tmp_path / "importlinter.ini"
    config.write_text("[importlinter]\nroot_packages =\n    shared\n    services\n\n"
                      "[importlinter:contract:probe]\nname = Probe\ntype = independence\n"
                      "modules =\n    shared.contracts\n    shared.envelope\n")
    result = _lint(config)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
