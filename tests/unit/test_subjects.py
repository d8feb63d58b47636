from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.subjects import SubjectError, event_subject, in_subtree, parse_subject, subtree_filter


def _matches(pattern: str, subject: str) -> bool:
    """NATS wildcard semantics: `*` one token, `>` one or more trailing tokens."""
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


def test_subject_carries_service_event_and_org_path() -> None:
    assert event_subject("awards", "award_granted", "VN.15.04321") == "dvk.awards.award_granted.VN.15.04321._"


def test_one_wildcard_selects_a_unit_and_its_whole_subtree_but_not_its_siblings() -> None:
    pattern = subtree_filter("VN.15")
    assert _matches(pattern, event_subject("registry", "model_registered", "VN.15"))
    assert _matches(pattern, event_subject("registry", "model_registered", "VN.15.04321"))
    assert _matches(pattern, event_subject("awards", "award_granted", "VN.15.04321.TH1"))
    assert not _matches(pattern, event_subject("registry", "model_registered", "VN.16.04321"))
    assert not _matches(pattern, event_subject("registry", "model_registered", "VN.150"))
    assert not _matches(pattern, event_subject("registry", "model_registered", "VN"))


@pytest.mark.parametrize("bad", ["", "VN..15", "VN.1 5", "VN.*", "VN.>", "VN._", "VN.ấp"])
def test_unsafe_org_paths_are_refused(bad: str) -> None:
    with pytest.raises(SubjectError):
        event_subject("registry", "model_registered", bad)


codes = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9-]{0,6}\Z")


@given(st.lists(codes, min_size=1, max_size=5), st.lists(codes, min_size=0, max_size=3))
def test_subtree_filter_agrees_with_in_subtree(ancestor: list[str], below: list[str]) -> None:
    path = ".".join(ancestor + below)
    subject = event_subject("registry", "model_registered", path)
    assert _matches(subtree_filter(".".join(ancestor)), subject)
    assert in_subtree(path, ".".join(ancestor))
    assert parse_subject(subject).org_path == path
