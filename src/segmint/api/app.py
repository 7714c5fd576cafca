"""The REST API: `create_app(workspace)` builds it, `segmint serve` runs it with uvicorn.

Versioned under ``/v1``; the OpenAPI document at ``/v1/openapi.json`` (generated from the
same typed results the command line renders) and its pages at ``/docs``. Every route
but the health check needs a key whose role `access.ACCESS` allows; every error has one
shape (`errors`). The server owns the workspace: requests take turns on its one
connection, so a read never sees half of a change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio
import anyio.from_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from segmint import __version__
from segmint.api import access, errors
from segmint.api.access import Caller
from segmint.store import apikeys
from segmint.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Session:
    """What a route works with: the workspace (its turn), the caller and their language."""

    workspace: Workspace
    caller: Caller
    lang: str


@dataclass(frozen=True, slots=True)
class _Served:
    workspace: Workspace
    turn: anyio.Semaphore  # of one: not a Lock, which only the task that took it may give back


async def session(request: Request) -> AsyncIterator[Session]:
    """The request's session, holding the workspace's turn until the route is done.

    The turn is awaited on the event loop and given back there: a request waiting for it
    holds no worker thread, so the one holding it always has a thread to finish in (with
    waiters in the threads, the holder's route would wait for a thread forever).

    Raises `AccessDeniedError` (401 or 403) before the route runs for a caller it does
    not allow.
    """
    served: _Served = request.app.state.served
    async with served.turn:
        ws = served.workspace

        def verify(key: str) -> apikeys.ApiKey | None:
            return apikeys.verify(ws.engine, key)

        caller = await run_in_threadpool(access.caller_of, request, verify=verify)
        with ws.engine.acting_from(caller.origin):  # its changes are audited as the client's
            yield Session(ws, caller, errors.language(request, ws.settings.lang))


class Health(BaseModel):
    """The server is up: its version and the workspace schema it serves."""

    status: str
    version: str


def create_app(workspace: Workspace) -> FastAPI:
    """The API over `workspace` (opened for writing: the server is its one writer)."""
    from segmint.api.alerts import router as alerts
    from segmint.api.customers import router as customers
    from segmint.api.ingest import router as ingest
    from segmint.api.runs import router as runs
    from segmint.api.segments import router as segments

    app = FastAPI(
        title="segmint",
        version=__version__,
        description="Customer segmentation and customer value: profiles, segments, alerts.",
        openapi_url="/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,  # operationId: the route's name
    )
    app.state.served = _Served(workspace, anyio.Semaphore(1))
    errors.install(app, default_lang=workspace.settings.lang)
    v1 = APIRouter(prefix="/v1", responses=errors.RESPONSES)
    v1.add_api_route("/health", health, methods=["GET"], name="health", tags=["service"])
    for router in (customers, ingest, runs, segments, alerts):
        v1.include_router(router)
    app.include_router(v1)
    access.check_routes(app)
    app.state.paths = errors.path_patterns(app)  # for the Allow header of a 405
    return app


def health() -> Health:
    """Whether the server is up (no key needed; it says nothing about the data)."""
    return Health(status="ok", version=__version__)


Using = Depends(session)  # the parameter default of every route that needs a key
# ... and of a route whose answer streams after it returns: the turn ends with the route,
# and the stream takes a turn per chunk (`turn`)
UsingBriefly = Depends(session, scope="function")


@contextmanager
def turn(request: Request) -> Iterator[None]:
    """The workspace's turn, from a worker thread, for work after a route has returned."""
    served: _Served = request.app.state.served
    anyio.from_thread.run(served.turn.acquire)
    try:
        yield
    finally:
        anyio.from_thread.run_sync(served.turn.release)
