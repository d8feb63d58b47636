from __future__ import annotations

import json
import logging

import pytest

from shared.auth.principal import Role
from shared.auth.tokens import InvalidToken, issue_token, verify_token
from shared.observability.logging import MESSAGES_LOGGER, configure_logging, correlation_id
from shared.runtime.cli import main
from tests.conftest import TEST_SECRET


def test_dvk_token_issues_a_token_the_services_accept(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVK_JWT_SECRET", TEST_SECRET)
    assert main(["token", "--sub", "can-bo-xa", "--org", "VN.15.02989", "--roles", "registrar", "viewer"]) == 0
    principal = verify_token(TEST_SECRET, capsys.readouterr().out.strip())
    assert principal.subject == "can-bo-xa"
    assert principal.roles == {Role.REGISTRAR, Role.VIEWER}
    assert principal.org_scope == "VN.15.02989"


def test_tokens_signed_elsewhere_or_expired_are_refused() -> None:
    token = issue_token("another-secret-" + "y" * 32, subject="x", name="x", roles=[Role.ADMINISTRATOR],
                        org_scope="VN")
    with pytest.raises(InvalidToken):
        verify_token(TEST_SECRET, token)
    from datetime import timedelta

    expired = issue_token(TEST_SECRET, subject="x", name="x", roles=[], org_scope="VN", lifetime=timedelta(seconds=-1))
    with pytest.raises(InvalidToken):
        verify_token(TEST_SECRET, expired)


def test_logs_are_json_lines_with_the_correlation_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("registry", "INFO")
    token = correlation_id.set("corr-123")
    try:
        logging.getLogger("dvk.test").info("Đã đăng ký mô hình")
    finally:
        correlation_id.reset(token)
        logging.getLogger().handlers.clear()
    record = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert record["message"] == "Đã đăng ký mô hình"
    assert record["correlation_id"] == "corr-123"
    assert record["service"] == "registry"
    assert record["level"] == "INFO"


def test_an_idle_pull_is_not_logged_as_an_error_and_a_real_failure_still_is(
        capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("evaluation", "INFO")
    messages = logging.getLogger(MESSAGES_LOGGER)
    try:
        for exc in (TimeoutError(), RuntimeError("the effect broke")):
            try:
                raise exc
            except Exception:
                messages.exception("Task-7 raised an exception, retrying...")
        logging.getLogger(MESSAGES_LOGGER).setLevel(logging.DEBUG)
        try:
            raise TimeoutError
        except TimeoutError:
            messages.exception("Task-8 raised an exception, retrying...")
    finally:
        logging.getLogger(MESSAGES_LOGGER).setLevel(logging.NOTSET)
        logging.getLogger().handlers.clear()
    records = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert [(r["level"], r["message"]) for r in records] == [
        ("ERROR", "Task-7 raised an exception, retrying..."), ("DEBUG", "Task-8 raised an exception, retrying...")]
    assert "the effect broke" in records[0]["exc_info"]
