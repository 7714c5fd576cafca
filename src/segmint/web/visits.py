"""Who is looking at a page, in which language, on which connection: a page's `Visit`.

A page names its JSON twin under ``/v1``; the roles that may see the page are the
twin's, from the API's own table, so a page never shows what its twin would refuse.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from segmint.core import i18n
from segmint.core.config import Settings
from segmint.core.errors import AccessDeniedError, Location
from segmint.core.formats import Locale, locale_of
from segmint.store import apikeys
from segmint.store.apikeys import ApiKey
from segmint.web import session
from segmint.web.render import Renderer
from segmint.workspace import Workspace

Lending = Callable[[], AbstractAsyncContextManager[Workspace]]


class RouteCheck(Protocol):
    """The API's check of a key against a route (`api.access.check`)."""

    def __call__(self, key: ApiKey, name: str, *, method: str, path: str) -> None:
        """Raise ``api.forbidden`` unless `key` may call API route `name`."""


@dataclass(frozen=True, slots=True)
class Backend:
    """What the serving app lends the dashboard: connections, the API's role table, a signer.

    ``reading`` lends a connection of its own for a page; ``writing`` the one writer's
    connection in its turn, for a change.
    """

    reading: Lending
    writing: Lending
    allows: Callable[[ApiKey, str], bool]  # may a key call this API route (`api.access`)
    check: RouteCheck  # the same, raising the API's `api.forbidden` when not
    plain: frozenset[str]  # roles that see personal data as it is
    settings: Settings
    signer: session.Signer
    renderer: Renderer

    def locale(self, request: Request) -> Locale:
        """The visitor's language (`language`) with the workspace's currency and zone."""
        return locale_of(self.settings, language(request, self.settings))


class SignInNeededError(Exception):
    """No live session: the visitor is sent to the sign-in page, then back to `next`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in visitor's request: the workspace to read, their key and their language."""

    request: Request
    workspace: Workspace
    key: ApiKey
    locale: Locale
    csrf: str
    backend: Backend

    @property
    def lang(self) -> str:
        """The visitor's language (en or zh-CN)."""
        return self.locale.lang

    @property
    def sees_personal_data(self) -> bool:
        """Whether names, phones and e-mails are shown as they are."""
        return self.key.role in self.backend.plain

    def may(self, twin: str) -> bool:
        """Whether the visitor's role may use API route `twin` (to show its buttons or not)."""
        return self.backend.allows(self.key, twin)

    def page(self, template: str, **values: Any) -> HTMLResponse:
        """Template `template` rendered for this visitor."""
        html = self.backend.renderer.page(template, visit=self, **values)
        return HTMLResponse(html, headers=SECURITY_HEADERS)


# No page may be framed, sniffed, or load anything from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def language(request: Request, settings: Settings) -> str:
    """The visitor's language: the one they chose (a cookie), else the workspace's."""
    chosen = request.cookies.get(session.LANG_COOKIE)
    return chosen if chosen in i18n.LANGS else settings.lang


def visiting(twin: str, *, writes: bool = False) -> Any:
    """The dependency of a page whose JSON twin is API route `twin`."""

    async def visit(request: Request) -> AsyncIterator[Visit]:
        backend: Backend = request.app.state.dashboard
        cookie = request.cookies.get(session.COOKIE, "")
        key_id = backend.signer.key_id(cookie)
        lend = backend.writing if writes else backend.reading
        async with lend() as workspace:
            key = None
            if key_id is not None:
                key = await run_in_threadpool(apikeys.live, workspace.engine, key_id)
            if key is None:
                raise SignInNeededError(_here(request))
            backend.check(key, twin, method=request.method, path=request.url.path)
            if request.method != "GET":
                await _check_csrf(backend, cookie, request)
            csrf = backend.signer.csrf(cookie)
            with workspace.engine.acting_from(_origin(request)):
                yield Visit(request, workspace, key, backend.locale(request), csrf, backend)

    return Depends(visit)


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query


def _origin(request: Request) -> str:
    return "unknown" if request.client is None else request.client.host


async def _check_csrf(backend: Backend, cookie: str, request: Request) -> None:
    token = request.headers.get(session.CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        token = (await form(request)).get(session.CSRF_FIELD)
    if not backend.signer.csrf_ok(cookie, token):
        raise AccessDeniedError("web.bad_csrf", location=Location(field=session.CSRF_FIELD))


async def form(request: Request) -> dict[str, str]:
    """The fields of a form posted as application/x-www-form-urlencoded (first of each)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
