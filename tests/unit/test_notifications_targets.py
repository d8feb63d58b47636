"""Which webhook targets the platform refuses, and what the allow-list lets through."""

from __future__ import annotations

import pytest

from services.notifications.targets import TargetRefused, check_target, loggable


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1:8101/models", "loopback"),
    ("http://localhost:54329/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link_local"),
    ("http://10.1.2.3/hook", "private"),
    ("https://192.168.1.10/hook", "private"),
    ("http://172.16.0.5/", "private"),
    ("http://[fd00:ec2::254]/", "private"),
    ("http://[fe80::1]/", "link_local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://0.0.0.0:8101/", "private"),
    ("http://100.64.0.1/", "not_global"),
    ("http://khong-ton-tai.invalid/", "unresolvable"),
])
async def test_inside_or_unresolvable_targets_are_refused(url: str, reason: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        await check_target(url)
    assert refused.value.reason == reason


@pytest.mark.parametrize("url", ["https://93.184.215.14/hook", "http://[2606:4700:4700::1111]/hook"])
async def test_public_addresses_pass(url: str) -> None:
    await check_target(url)


@pytest.mark.parametrize(("url", "allow"), [
    ("http://127.0.0.1:9000/hook", ["127.0.0.1/32"]),
    ("http://10.20.30.40/hook", ["10.20.0.0/16"]),
    ("http://localhost:9000/hook", ["localhost"]),
])
async def test_an_agency_names_its_own_internal_systems(url: str, allow: list[str]) -> None:
    await check_target(url, allow)


async def test_the_allow_list_lets_through_only_what_it_names() -> None:
    with pytest.raises(TargetRefused):
        await check_target("http://10.99.0.1/hook", ["10.20.0.0/16", "khong-phai.example"])


async def test_a_name_that_does_not_resolve_yet_may_be_registered_but_not_delivered_to() -> None:
    await check_target("https://khong-ton-tai.invalid/hook", unresolvable_ok=True)
    with pytest.raises(TargetRefused):
        await check_target("http://169.254.169.254/", unresolvable_ok=True)


def test_a_target_is_logged_without_its_credentials_or_query() -> None:
    assert loggable("https://user:pw@hooks.example.vn:8443/dvk?token=bi-mat#x") == "https://hooks.example.vn:8443/dvk"
