"""One JSON shape for every error the API returns: code, message, hint, location, status.

The codes and texts are the command line's (`segmint.core.errors`, in the language the
client asks for with Accept-Language); the HTTP status follows from the kind of error.
Nothing of an unexpected failure reaches the client but a reference to the server's log.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from segmint.core import i18n
from segmint.core.errors import (
    AccessDeniedError,
    ConflictError,
    EngineError,
    InputError,
    Location,
    NotFoundError,
    SegmintError,
    WorkspaceBusyError,
)

log = logging.getLogger("segmint.api")

# The HTTP status of each kind of error, the most specific first.
STATUS: tuple[tuple[type[SegmintError], int], ...] = (
    (NotFoundError, 404),
    (AccessDeniedError, 403),
    (ConflictError, 409),
    (InputError, 422),
    (WorkspaceBusyError, 503),
    (EngineError, 500),
    (SegmintError, 400),
)
UNAUTHORIZED = ("api.no_key", "api.bad_key")  # 401: no caller could be established
API_PATHS = ("/v1/", "/docs")  # answered in JSON; every other path is the dashboard's


class ErrorBody(BaseModel):
    """What every error response holds (`location`: the field, row or position at fault)."""

    code: str
    message: str
    hint: str | None
    location: dict[str, Any] | None
    status: int


# The error answers every route may give, as its OpenAPI document lists them.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": what}
    for status, what in (
        (400, "A body that is not JSON text in UTF-8"),
        (401, "No key, or a key that is not live"),
        (403, "The key's role may not use this route"),
        (404, "Something named in the request does not exist"),
        (422, "The request does not have the documented shape, or its data is not valid"),
        (500, "An unexpected failure; the body names the server log's reference"),
    )
}


def status_of(error: SegmintError) -> int:
    """The HTTP status an error is answered with."""
    if error.code in UNAUTHORIZED:
        return 401
    return next(status for kind, status in STATUS if isinstance(error, kind))


def language(request: Request, default: str) -> str:
    """The client's language: Chinese when Accept-Language asks for it first, else `default`."""
    asked = request.headers.get("accept-language", "").strip().lower()
    if asked.startswith("zh"):
        return "zh-CN"
    return "en" if asked.startswith("en") else default


def respond(
    error: SegmintError,
    request: Request,
    *,
    default_lang: str,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """`error` as the one error shape, with its HTTP status (or `status`) and `headers`."""
    body = body_of(error, language(request, default_lang), status=status)
    sent = dict(headers or {}) | ({"WWW-Authenticate": "Bearer"} if body.status == 401 else {})
    return JSONResponse(body.model_dump(), status_code=body.status, headers=sent or None)


def body_of(error: SegmintError, lang: str, *, status: int | None = None) -> ErrorBody:
    """`error` in the one error shape, worded in `lang`."""
    message, hint = error.render(lang)
    return ErrorBody(
        code=error.code,
        message=message,
        hint=hint,
        location=error.location.as_dict() if error.location else None,
        status=status or status_of(error),
    )


Page = Callable[[Request, SegmintError, int], Response]  # a dashboard page's error


def install(app: FastAPI, *, default_lang: str, page: Page | None = None) -> None:
    """Answer every error of `app` in the one shape: ours, FastAPI's, Starlette's, any other.

    Outside ``/v1`` (the dashboard's pages) `page` words the same error as a page.
    """

    def answer(
        error: SegmintError,
        request: Request,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if page is not None and not request.url.path.startswith(API_PATHS):
            return page(request, error, status or status_of(error))
        return respond(error, request, default_lang=default_lang, status=status, headers=headers)

    async def ours(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SegmintError)  # noqa: S101 -- registered for this class only
        return answer(exc, request)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        return answer(_bad_request(exc), request)

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)  # noqa: S101
        if exc.status_code in (404, 405):
            error = SegmintError(
                "api.no_route",
                location=Location(field="path"),
                method=request.method,
                path=request.url.path,
            )
            allow = _allowed(request) if exc.status_code == 405 else {}
        else:  # a body that is not JSON, not UTF-8 …: Starlette's words, in our shape
            error = InputError("api.bad_body", location=Location(field="body"), detail=exc.detail)
            allow = {}
        return answer(error, request, exc.status_code, allow)

    async def unexpected(request: Request, exc: Exception) -> Response:
        reference = secrets.token_hex(6)
        log.error("%s %s failed (%s)", request.method, request.url.path, reference, exc_info=exc)
        return answer(SegmintError("api.internal", reference=reference), request, 500)

    app.add_exception_handler(SegmintError, ours)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(Exception, unexpected)


def _allowed(request: Request) -> dict[str, str]:
    """The Allow header of a 405: every method the document lists for the request's path.

    (Starlette names only the methods of the first route matching the path, not those of
    the others at the same path.)
    """
    paths: list[tuple[re.Pattern[str], list[str]]] = request.app.state.paths
    methods = next((m for pattern, m in paths if pattern.fullmatch(request.url.path)), [])
    return {"Allow": ", ".join(methods)} if methods else {}


def path_patterns(app: FastAPI) -> list[tuple[re.Pattern[str], list[str]]]:
    """Each path of the app's document as a pattern, with its methods.

    The fixed paths first, so /v1/segments/preview is not taken for /v1/segments/{name}.
    """
    found = []
    paths = app.openapi()["paths"]
    for path, methods in sorted(paths.items(), key=lambda kv: kv[0].count("{")):
        pattern = re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)))
        found.append((pattern, sorted(m.upper() for m in methods)))
    return found


def _bad_request(exc: RequestValidationError) -> InputError:
    """FastAPI's problems as one error: every problem in the message, the first located."""
    problems = _Problems(tuple(exc.errors()))
    return InputError("api.bad_request", location=Location(field=problems.first), problems=problems)


@dataclass(frozen=True, slots=True)
class _Problems:
    """A request's problems, each as "where: what" in the reader's language."""

    found: tuple[Any, ...]

    @property
    def first(self) -> str | None:
        return _where(self.found[0]) if self.found else None

    def render(self, lang: str) -> str:
        return "; ".join(f"{_where(p)}: {_what(p, lang)}" for p in self.found)


def _where(problem: Mapping[str, Any]) -> str:
    return ".".join(str(part) for part in problem.get("loc", ()))


def _what(problem: Mapping[str, Any], lang: str) -> str:
    """The problem in `lang`: our words for the usual kinds, FastAPI's for the rest."""
    key = f"api.problem.{problem.get('type')}"
    if key not in i18n.catalogue():
        return i18n.message("api.problem.other", lang, detail=problem.get("msg", ""))
    return i18n.message(key, lang, **dict(problem.get("ctx") or {}))
