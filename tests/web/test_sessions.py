"""Signing in and out, sessions, CSRF and the dashboard's errors, over plain HTTP."""

from __future__ import annotations

import http.client
import urllib.parse

from segmint.web.session import Signer


def _request(site, method, path, *, cookie=None, body=None, headers=None):
    host = urllib.parse.urlsplit(site.url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    sent = dict(headers or {})
    if cookie:
        sent["Cookie"] = cookie
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(body)
    try:
        connection.request(method, path, body=body, headers=sent)
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read().decode("utf-8")
    finally:
        connection.close()


def _signed_in(site, role):
    status, headers, _ = _request(
        site, "POST", "/sign-in", body={"key": site.keys[role], "next": "/tiers"}
    )
    assert status == 303 and headers["location"] == "/tiers"
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert site.keys[role] not in cookie  # the key itself never goes to the browser
    return cookie.split(";")[0]


def test_a_page_without_a_session_sends_to_sign_in_and_back(site):
    status, headers, _ = _request(site, "GET", "/rfm?run=1")
    assert status == 303 and headers["location"] == "/sign-in?next=/rfm%3Frun%3D1"
    status, _, body = _request(site, "POST", "/sign-in", body={"key": "sgk_nope_nope"})
    assert status == 401 and "not a live key" in body
    status, _, _ = _request(site, "POST", "/sign-in", body={"key": site.keys["ingest"]})
    assert status == 401  # an ingest key reads nothing


def test_sign_in_never_sends_elsewhere(site):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        status, headers, _ = _request(
            site, "POST", "/sign-in", body={"key": site.keys["viewer"], "next": target}
        )
        assert status == 303 and headers["location"] == "/"


def test_a_change_needs_the_sessions_csrf_token(site):
    cookie = _signed_in(site, "analyst")
    alert = site.workspace.engine.scalar("SELECT min(alert_id) FROM alerts")
    status, _, body = _request(site, "POST", f"/alerts/{alert}/ack", cookie=cookie, body={})
    assert status == 403 and "CSRF" in body
    status, _, page = _request(site, "GET", "/alerts", cookie=cookie)
    token = page.split('name="csrf" value="')[1].split('"')[0]
    status, _, _ = _request(
        site, "POST", f"/alerts/{alert}/ack", cookie=cookie, body={"csrf": token}
    )
    assert status == 303
    acked = site.workspace.engine.scalar(
        "SELECT acknowledged_by FROM alerts WHERE alert_id = ?", [alert]
    )
    assert acked.startswith("web:")


def test_a_viewer_may_not_change_nor_download_quarantined_rows(site):
    cookie = _signed_in(site, "viewer")
    _, _, page = _request(site, "GET", "/alerts", cookie=cookie)
    assert "/ack" not in page
    status, _, body = _request(site, "GET", "/data/some-import/quarantine.csv", cookie=cookie)
    assert status == 403 and "viewer" in body


def test_a_revoked_key_signs_its_sessions_out(site):
    key, secret = site.workspace.create_api_key("short-lived", role="viewer", actor="test")
    site.keys["short"] = secret
    cookie = _signed_in(site, "short")
    assert _request(site, "GET", "/", cookie=cookie)[0] == 200
    site.workspace.revoke_api_key(key.key_id, actor="test")
    assert _request(site, "GET", "/", cookie=cookie)[0] == 303


def test_a_forged_or_expired_cookie_is_no_session():
    signer = Signer.fresh()
    cookie = signer.cookie("abcd1234", now=1_000)
    assert signer.key_id(cookie, now=1_000) == "abcd1234"
    assert signer.key_id(cookie, now=1_000 + 13 * 3600) is None
    assert Signer.fresh().key_id(cookie, now=1_000) is None
    _, expires, signature = cookie.split(".")
    assert signer.key_id(f"other123.{expires}.{signature}", now=1_000) is None
    assert signer.csrf_ok(cookie, signer.csrf(cookie))
    assert not signer.csrf_ok(cookie, Signer.fresh().csrf(cookie))


def test_an_unknown_page_is_a_page_and_an_unknown_api_path_json(site):
    cookie = _signed_in(site, "analyst")
    status, headers, body = _request(site, "GET", "/segments/no_such_segment", cookie=cookie)
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert "<h1>404</h1>" in body
    status, headers, _ = _request(site, "GET", "/v1/nothing-here")
    assert status == 404 and headers["content-type"] == "application/json"


def test_assets_are_served_from_the_package_with_their_versions(site):
    status, headers, body = _request(site, "GET", "/static/htmx-2.0.11.min.js")
    assert status == 200 and "immutable" in headers["cache-control"] and "htmx" in body[:200]
    from segmint.web.render import plotly_name

    status, _, body = _request(site, "GET", f"/static/{plotly_name()}")
    assert status == 200 and plotly_name() == "plotly-4.1.1.min.js" and "plotly.js v4.1.1" in body
    assert _request(site, "GET", "/static/../segmint.toml")[0] == 404
