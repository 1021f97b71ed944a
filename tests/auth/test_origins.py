"""Allowed origins end up verbatim in CSP frame-ancestors: only clean origins get in."""

import pytest

from widget.auth.origins import InvalidOrigin, normalise_origin, normalise_origins


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://crm.example.com", "https://crm.example.com"),
        ("https://CRM.Example.com/", "https://crm.example.com"),
        ("https://crm.example.com:443", "https://crm.example.com"),
        ("https://crm.example.com:8443", "https://crm.example.com:8443"),
        ("http://localhost:5000", "http://localhost:5000"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("  https://a-b.example.co.nz  ", "https://a-b.example.co.nz"),
    ],
)
def test_origins_are_normalised(text, origin):
    assert normalise_origin(text) == origin


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("crm.example.com", "must start with https://"),
        ("ftp://crm.example.com", "must start with https://"),
        ("https://crm.example.com/app", "without a path"),
        ("https://crm.example.com?x=1", "without a path"),
        ("https://crm.example.com#top", "without a path"),
        ("https://user:pw@crm.example.com", "user name or password"),
        ("http://crm.example.com", "http:// is only allowed for localhost"),
        ("https://*.example.com", "wildcards"),
        ("https://crm.example.com 'unsafe-inline'", "no spaces"),
        ("https://crm.example.com;script-src", "no spaces"),
        ("https://crm.example.com:99999", "Port"),
        ("https://bad_host.example", "not a valid host name"),
        ("https://", "no host"),
        ("https://[2001:db8::1]", "IPv6"),
    ],
)
def test_bad_origins_are_refused_with_the_reason(text, why):
    with pytest.raises(InvalidOrigin) as caught:
        normalise_origin(text)
    assert why.lower() in str(caught.value).lower()


def test_duplicates_are_dropped_in_order():
    assert normalise_origins(["https://b.example", "https://a.example", "https://B.example/"]) == [
        "https://b.example",
        "https://a.example",
    ]
