"""Webhook targets: only public addresses, unless the settings allow a host."""

from __future__ import annotations

import pytest

from segmint.activate import targets
from segmint.core.errors import InputError


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1"),
        ("http://localhost/hook", None),  # loopback, whichever family it resolves to
        ("https://10.1.2.3/hook", "10.1.2.3"),
        ("https://192.168.0.7/hook", "192.168.0.7"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),  # cloud metadata
        ("http://[::1]/hook", "::1"),
        ("http://[fe80::1]/hook", "fe80::1"),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1"),
        ("http://0.0.0.0/hook", "0.0.0.0"),  # noqa: S104 -- the address refused
        ("http://224.0.0.1/hook", "224.0.0.1"),
    ],
)
def test_an_address_that_is_not_public_is_refused_and_named(url, address):
    with pytest.raises(InputError) as caught:
        targets.check(url)
    error = caught.value
    assert error.code == "webhook.private_address"
    assert address is None or error.params["address"] == address
    assert "allowed_hosts" in (error.hint or "")


def test_a_host_the_settings_allow_is_accepted():
    assert targets.check("http://127.0.0.1:9000/h", allowed_hosts=["127.0.0.1"])
    with pytest.raises(InputError):  # the allowance is for that host alone
        targets.check("http://127.0.0.2:9000/h", allowed_hosts=["127.0.0.1"])


def test_a_public_address_passes_and_a_name_is_resolved_each_time():
    assert targets.check("https://93.184.215.14/hooks") == "https://93.184.215.14/hooks"
    answers = iter([["93.184.215.14"], ["10.0.0.5"]])  # DNS moved the name inside
    resolver = lambda host: next(answers)  # noqa: E731 -- a stand-in for DNS
    assert targets.check("https://crm.example.com/h", resolver=resolver)
    with pytest.raises(InputError) as caught:
        targets.check("https://crm.example.com/h", resolver=resolver)
    assert caught.value.params["address"] == "10.0.0.5"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x", "webhook.bad_url"),
        ("https:///nohost", "webhook.bad_url"),
        ("not a url", "webhook.bad_url"),
        ("https://name.invalid/h", "webhook.unresolved"),
    ],
)
def test_what_is_not_a_reachable_http_url_is_named(url, code):
    with pytest.raises(InputError) as caught:
        targets.check(url)
    assert caught.value.code == code and caught.value.location.field == "url"
