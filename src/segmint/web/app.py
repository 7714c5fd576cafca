"""The dashboard mounted on the API's app: pages at ``/``, assets, sign-in and language.

Every asset is served from the package itself (htmx vendored with its version in the
file name, plotly.js from the pinned plotly package), so the dashboard works with no
internet access and makes no request beyond its own server.
"""

from __future__ import annotations

import urllib.parse
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from segmint.core import i18n
from segmint.core.errors import SegmintError
from segmint.store import apikeys
from segmint.web import session
from segmint.web.render import HTMX, plotly_js, plotly_name, static
from segmint.web.visits import SECURITY_HEADERS, Backend, SignInNeededError, form

entry = APIRouter(include_in_schema=False)
CACHED = {"Cache-Control": "public, max-age=31536000, immutable"}  # names carry versions
OWN_ASSETS = ("segmint.css", "segmint.js")


def mount(app: FastAPI, backend: Backend) -> None:
    """Add the dashboard's routes to `app` (the API's), lending it `backend`."""
    from segmint.web.pages import router as pages

    app.state.dashboard = backend
    app.include_router(entry)
    app.include_router(pages)

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeededError)  # noqa: S101 -- registered for this class only
        target = urllib.parse.quote(exc.next_path, safe="/")
        if request.headers.get("hx-request"):  # htmx: reload the page to its sign-in
            return Response(status_code=204, headers={"HX-Redirect": f"/sign-in?next={target}"})
        return RedirectResponse(f"/sign-in?next={target}", status_code=303)

    app.add_exception_handler(SignInNeededError, sign_in_first)


def error_page(request: Request, error: SegmintError, status: int) -> HTMLResponse:
    """A dashboard page's error, in the visitor's language, inside the page frame."""
    backend: Backend = request.app.state.dashboard
    locale = backend.locale(request)
    message, hint = error.render(locale.lang)
    html = backend.renderer.page(
        "error.html", locale=locale, visit=None, status=status, message=message, hint=hint,
        code=error.code,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


@entry.get("/static/{name}", name="asset")
def asset(name: str) -> Response:
    """htmx, plotly.js and the dashboard's own CSS and JS, from the package."""
    if name == plotly_name():
        return Response(plotly_js()[1], media_type="text/javascript", headers=CACHED)
    if name == HTMX or name in OWN_ASSETS:
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        cache = CACHED if name == HTMX else {"Cache-Control": "no-cache"}
        return Response(static(name), media_type=kind, headers=cache)
    return Response(status_code=404)


@entry.get("/sign-in", name="sign_in_page")
def sign_in_page(
    request: Request, next: Annotated[str, Query(max_length=2000)] = "/"
) -> HTMLResponse:
    """The sign-in form: one API key."""
    return _sign_in_form(request, next_path=next, failed=False)


@entry.post("/sign-in", name="sign_in")
async def sign_in(request: Request) -> Response:
    """Check the key; on success a session cookie (never the key) and back to the page."""
    backend: Backend = request.app.state.dashboard
    fields = await form(request)
    next_path = _local(fields.get("next", "/"))
    async with backend.reading() as workspace:
        key = await run_in_threadpool(
            apikeys.verify, workspace.engine, fields.get("key", "").strip()
        )
    if key is None or not backend.allows(key, "insights_overview"):  # an ingest key: no page
        return _sign_in_form(request, next_path=next_path, failed=True)
    reply = RedirectResponse(next_path, status_code=303)
    reply.set_cookie(
        session.COOKIE,
        backend.signer.cookie(key.key_id),
        max_age=session.LIFETIME,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return reply


@entry.post("/sign-out", name="sign_out")
def sign_out() -> Response:
    """Forget the session cookie."""
    reply = RedirectResponse("/sign-in", status_code=303)
    reply.delete_cookie(session.COOKIE)
    return reply


@entry.get("/lang/{lang}", name="switch_language")
def switch_language(lang: str, next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    """Show every page in `lang` (en or zh-CN) from now on, starting with `next`."""
    reply = RedirectResponse(_local(next), status_code=303)
    if lang in i18n.LANGS:
        reply.set_cookie(session.LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return reply


def _sign_in_form(request: Request, *, next_path: str, failed: bool) -> HTMLResponse:
    backend: Backend = request.app.state.dashboard
    html = backend.renderer.page(
        "sign_in.html",
        locale=backend.locale(request),
        visit=None,
        next_path=_local(next_path),
        failed=failed,
    )
    return HTMLResponse(html, status_code=401 if failed else 200, headers=SECURITY_HEADERS)


def _local(path: str) -> str:
    """`path` when it is a path of this server; "/" for anything that could leave it."""
    parsed = urllib.parse.urlsplit(path)
    if parsed.scheme or parsed.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path
