"""The REST API: `create_app(workspace)` builds it, `segmint serve` runs it with uvicorn.

Versioned under ``/v1``; the OpenAPI document at ``/v1/openapi.json`` (generated from the
same typed results the command line renders) and its pages at ``/docs``. Every route
but the health check needs a key whose role `access.ACCESS` allows; every error has one
shape (`errors`). The server owns the workspace: changes take turns on its one writing
connection, each in a transaction; reads run beside them on connections of their own
and see only committed changes, never half of one.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import anyio.abc
import anyio.from_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from segmint import __version__
from segmint.api import access, errors
from segmint.api.access import Caller
from segmint.store import apikeys
from segmint.web.app import error_page, mount
from segmint.web.render import Renderer
from segmint.web.session import Signer
from segmint.web.visits import Backend
from segmint.workspace import Workspace

log = logging.getLogger("segmint.api")


@dataclass(frozen=True, slots=True)
class Session:
    """What a route works with: a workspace connection, the caller and their language."""

    workspace: Workspace
    caller: Caller
    lang: str


class _Readers:
    """Connections to the workspace for reads, lent one per request.

    Reads run side by side (DuckDB's connections each see committed changes only), as
    many at once as there are connections; more requests wait on the event loop.
    """

    def __init__(self, workspace: Workspace, *, size: int) -> None:
        self._free = [workspace.cursor() for _ in range(size)]
        self._slots = anyio.Semaphore(size)

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[Workspace]:
        async with self._slots:
            workspace = self._free.pop()  # on the event loop only: no lock needed
            try:
                yield workspace
            finally:
                self._free.append(workspace)

    def close(self) -> None:
        for workspace in self._free:
            workspace.close()


@dataclass(frozen=True, slots=True)
class _Served:
    workspace: Workspace  # the one writer's connection
    turn: anyio.Semaphore  # of one: not a Lock, which only the task that took it may give back
    readers: _Readers
    local_key: str | None  # the server's own command line's (`segmint serve`)

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[Workspace]:
        """The one writer's connection, in its turn."""
        async with self.turn:
            yield self.workspace


READERS = 4  # connections for reads: DuckDB runs each query on every core already
VIEW_DELAY = 2.0  # seconds the live view waits after a batch, gathering more (`_ViewCatchUp`)


async def reading(request: Request) -> AsyncIterator[Session]:
    """The session of a request that only reads: a connection of its own, lent for it."""
    served: _Served = request.app.state.served
    async with served.readers.lent() as workspace:
        yield await _session(request, workspace, served)


@asynccontextmanager
async def writers_turn(request: Request) -> AsyncIterator[Workspace]:
    """The writer's connection, for work done after its request has been answered."""
    served: _Served = request.app.state.served
    async with served.writer() as workspace:
        yield workspace


class _ViewCatchUp:
    """The live view takes in the customers of batches answered before it did.

    An update starts `VIEW_DELAY` seconds after the first batch that asks for it, and
    every batch stored meanwhile shares it: one update takes in every customer marked
    since the last, so the view's cost (reading the customers' rows, about a second at a
    million customers whether for one customer or thousands) is paid once for many
    batches, and batches are not held up behind an update each. A failure is logged;
    the customers stay marked and the next update (or `segmint refresh`) takes them in.
    """

    def __init__(self, served: _Served) -> None:
        self._served = served
        self._asked = False

    def soon(self, tasks: anyio.abc.TaskGroup) -> None:
        """Ask for an update (on the event loop); one already waiting covers this ask."""
        if not self._asked:
            self._asked = True
            tasks.start_soon(self._update)

    async def _update(self) -> None:
        await anyio.sleep(VIEW_DELAY)
        async with self._served.writer() as workspace:
            self._asked = False  # marked from now on: the next ask starts another
            try:
                await run_in_threadpool(workspace.update_view, actor="segmint serve")
            except Exception:  # the customers stay marked for the next update
                log.exception("the live view's update after ingest failed")


def view_soon(request: Request) -> None:
    """From a worker thread: the live view takes in the customers just imported, soon."""
    views: _ViewCatchUp = request.app.state.views
    anyio.from_thread.run_sync(views.soon, request.app.state.tasks)


async def writing(request: Request) -> AsyncIterator[Session]:
    """The session of a request that changes something, holding the writer's turn.

    The turn is awaited on the event loop and given back there: a request waiting for it
    holds no worker thread, so the one holding it always has a thread to finish in (with
    waiters in the threads, the holder's route would wait for a thread forever). Its
    changes are audited as coming from the client's address.
    """
    served: _Served = request.app.state.served
    async with served.writer() as workspace:
        session = await _session(request, workspace, served)
        with workspace.engine.acting_from(session.caller.origin):
            yield session


async def _session(request: Request, workspace: Workspace, served: _Served) -> Session:
    """Raises `AccessDeniedError` (401 or 403) for a caller the route does not allow."""

    def verify(key: str) -> apikeys.ApiKey | None:
        if served.local_key is not None and hmac.compare_digest(key, served.local_key):
            return access.LOCAL_KEY
        return apikeys.verify(workspace.engine, key)

    caller = await run_in_threadpool(access.caller_of, request, verify=verify)
    return Session(workspace, caller, errors.language(request, workspace.settings.lang))


class Health(BaseModel):
    """The server is up: its version and the workspace schema it serves."""

    status: str
    version: str


def create_app(workspace: Workspace, *, local_key: str | None = None) -> FastAPI:
    """The API over `workspace` (opened for writing: the server is its one writer).

    `local_key` lets the server's own command line read through it (`api.local`).
    """
    from segmint.api.alerts import router as alerts
    from segmint.api.campaigns import router as campaigns
    from segmint.api.customers import router as customers
    from segmint.api.delivery import Courier
    from segmint.api.ingest import router as ingest
    from segmint.api.insights import router as insights
    from segmint.api.local import router as local
    from segmint.api.playbooks import router as playbooks
    from segmint.api.runs import Jobs
    from segmint.api.runs import router as runs
    from segmint.api.segments import router as segments
    from segmint.api.webhooks import router as webhooks

    readers = _Readers(workspace, size=READERS)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        courier = Courier(app.state.served)
        async with anyio.create_task_group() as tasks:  # work that outlives its request
            app.state.tasks = tasks
            tasks.start_soon(courier.run)  # webhooks, as the outbox fills
            yield  # at shutdown a run under way ends first (it is all or nothing anyway)
            courier.stop()
        readers.close()  # before the writer's connection, which closes the database

    app = FastAPI(
        lifespan=lifespan,
        title="segmint",
        version=__version__,
        description="Customer segmentation and customer value: profiles, segments, alerts.",
        openapi_url="/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,  # operationId: the route's name
    )
    app.state.served = _Served(workspace, anyio.Semaphore(1), readers, local_key)
    app.state.jobs = Jobs()  # runs started over the API
    app.state.views = _ViewCatchUp(app.state.served)
    errors.install(app, default_lang=workspace.settings.lang, page=error_page)
    v1 = APIRouter(prefix="/v1", responses=errors.RESPONSES)
    v1.add_api_route("/health", health, methods=["GET"], name="health", tags=["service"])
    routers = [customers, ingest, runs, segments, alerts, webhooks, playbooks, campaigns]
    routers += [insights, local]
    for router in routers:
        v1.include_router(router)
    app.include_router(v1)
    mount(app, _dashboard(app.state.served, workspace))
    access.check_routes(app)
    app.state.paths = errors.path_patterns(app)  # for the Allow header of a 405
    return app


def _dashboard(served: _Served, workspace: Workspace) -> Backend:
    """What the dashboard's pages read and write through: the API's connections and roles."""
    return Backend(
        reading=served.readers.lent,
        writing=served.writer,
        allows=access.allows,
        check=access.check,
        plain=access.PLAIN,
        settings=workspace.settings,
        signer=Signer.fresh(),
        renderer=Renderer(),
    )


def health() -> Health:
    """Whether the server is up (no key needed; it says nothing about the data)."""
    return Health(status="ok", version=__version__)


# The parameter default of every route that needs a key: a read, or a change.
Reads = Depends(reading)
Writes = Depends(writing)
# ... and of a route whose answer streams after it returns: the connection is given back
# with the route, and the stream reads on one of its own
ReadsBriefly = Depends(reading, scope="function")
