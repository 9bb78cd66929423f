"""Given URLs whose hosts resolve (through a test's double of DNS) to public, private,
loopback, link-local, multicast or reserved addresses, when they are checked as webhook
targets, then only public https ones pass, unless the operator allowed the network."""

from __future__ import annotations

import pytest

from domain.webhooks.retries import RetryPolicy, parse_schedule
from domain.webhooks.targets import TargetPolicy, TargetRefused, parse_networks

DNS = {
    "hooks.example.com": ["93.184.216.34"],
    "inside.example.com": ["10.0.0.7"],
    "mixed.example.com": ["93.184.216.34", "192.168.1.2"],
    "metadata.example.com": ["169.254.169.254"],
    "v6.example.com": ["2606:4700::1111"],
    "v6-local.example.com": ["fe80::1"],
}


def resolver(host: str, port: int) -> list[str]:
    if host in DNS:
        return DNS[host]
    if host.replace(".", "").isdigit() or ":" in host:
        return [host]
    raise TargetRefused(f"The host {host!r} does not resolve.")


PUBLIC_ONLY = TargetPolicy(resolver=resolver)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/tessera",
        "https://v6.example.com:8443/x",
        "https://93.184.216.34/",
    ],
)
def test_a_public_https_url_passes(url: str) -> None:
    assert PUBLIC_ONLY.check(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/", "https"),
        ("https://inside.example.com/", "10.0.0.7"),
        ("https://mixed.example.com/", "192.168.1.2"),
        ("https://metadata.example.com/", "169.254.169.254"),
        ("https://v6-local.example.com/", "fe80::1"),
        ("https://127.0.0.1:8080/", "127.0.0.1"),
        ("https://[::1]/", "::1"),
        ("https://[::ffff:10.0.0.1]/", "::ffff:a00:1"),
        ("https://0.0.0.0/", "0.0.0.0"),
        ("https://224.0.0.1/", "224.0.0.1"),
        ("https://240.0.0.1/", "240.0.0.1"),
        ("https://100.64.0.1/", "100.64.0.1"),
        ("ftp://hooks.example.com/", "https"),
        ("https://user:pw@hooks.example.com/", "user"),
        ("https://nowhere.example.com/", "does not resolve"),
        ("https://[nonsense/", "valid URL"),
        ("https://hooks.example.com/" + "a" * 2_000, "characters"),
    ],
)
def test_a_url_that_could_reach_inside_is_refused(url: str, why: str) -> None:
    with pytest.raises(TargetRefused, match=why.replace(".", r"\.").replace("[", r"\[")):
        PUBLIC_ONLY.check(url)


def test_an_allowed_network_is_reachable_also_over_http() -> None:
    policy = TargetPolicy(parse_networks("127.0.0.0/8, 10.0.0.0/24"), resolver)
    assert policy.check("http://127.0.0.1:9000/hooks")
    assert policy.check("http://inside.example.com/")
    # a network not allowed is still refused, and http still needs every address allowed
    with pytest.raises(TargetRefused):
        policy.check("https://metadata.example.com/")
    with pytest.raises(TargetRefused, match="https"):
        policy.check("http://hooks.example.com/")


def test_the_retry_schedule_waits_less_than_each_step_but_at_least_half() -> None:
    policy = RetryPolicy(parse_schedule("5, 300, 1800"))
    assert [policy.wait_after(n, draw=0).total_seconds() for n in (1, 2, 3, 4, 9)] == [
        5, 300, 1800, 1800, 1800,
    ]  # fmt: skip
    assert policy.wait_after(2, draw=0.999).total_seconds() == pytest.approx(150.15)
    with pytest.raises(ValueError):
        parse_schedule("5, -1")
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/33")
