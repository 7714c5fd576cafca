"""Runs and what each found: the runs kept, the segments report of one, and new runs.

``POST /v1/runs`` answers at once (202) with a job; the run itself waits for the
writer's turn and goes on in the background (other changes wait for it; reads do not),
and ``GET /v1/jobs/{job_id}`` tells how far it has got, then the run or the error. One
run at a time: asking for another while one is under way is a conflict (409).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from segmint.api import errors
from segmint.api.app import Reads, ReadsBriefly, Session, writers_turn
from segmint.api.errors import ErrorBody
from segmint.core.errors import ConflictError, Location, NotFoundError, SegmintError
from segmint.segments.results import SegmentsReport
from segmint.store.snapshots import Run

router = APIRouter(tags=["runs"])
log = logging.getLogger("segmint.api")


def _written(value: object) -> object:
    """A day as sent: text, as JSON has no dates (pydantic would take 0 for 1970-01-01)."""
    if value is not None and not isinstance(value, str):
        raise ValueError("a day is written YYYY-MM-DD")  # pydantic's way to refuse a value
    return value


class RunToStart(BaseModel):
    """The run to start."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: Annotated[dt.date | None, BeforeValidator(_written)] = Field(
        None, description="The run's day (default: the local date of the newest order)."
    )


class Job(BaseModel):
    """A run started over the API: waiting for the writer, running (its step), done or failed."""

    model_config = ConfigDict(frozen=True)

    job_id: int
    state: Literal["waiting", "running", "finished", "failed"]
    as_of: dt.date | None = Field(description="The day asked for (None: the default).")
    step: str | None = Field(description="The step the run is at, while it runs.")
    started_by: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    run: Run | None = Field(description="The run made, once finished.")
    error: ErrorBody | None = Field(description="Why it failed, once failed.")

    @property
    def under_way(self) -> bool:
        """Waiting or running."""
        return self.state in ("waiting", "running")


class Jobs:
    """The jobs of this server, by id (kept while it runs)."""

    def __init__(self) -> None:
        self.found: dict[int, Job] = {}
        self._ids = itertools.count(1)

    def start(self, *, as_of: dt.date | None, by: str) -> Job:
        """A new job, waiting for the writer."""
        job = Job(
            job_id=next(self._ids),
            state="waiting",
            as_of=as_of,
            step=None,
            started_by=by,
            started_at=dt.datetime.now(dt.UTC),
            finished_at=None,
            run=None,
            error=None,
        )
        self.found[job.job_id] = job
        return job

    def update(self, job_id: int, **changes: object) -> None:
        """Replace the job by its copy with `changes` (a worker thread's steps too)."""
        if changes.get("state") in ("finished", "failed"):
            changes |= {"step": None, "finished_at": dt.datetime.now(dt.UTC)}
        self.found[job_id] = self.found[job_id].model_copy(update=changes)


@router.get("/runs", name="list_runs")
def list_runs(s: Session = Reads) -> list[Run]:
    """Every run, newest first, with its typed facts; ``current`` marks the one shown."""
    return s.workspace.runs()


@router.get("/report/segments", name="segments_report")
def segments_report(run: int | None = None, s: Session = Reads) -> SegmentsReport:
    """Every segment of a run (default: the current one) with size, shares, KPIs, change."""
    return s.workspace.segments(run_id=run, lang=s.lang)


@router.post(
    "/runs",
    name="start_run",
    status_code=202,
    responses={409: {"model": ErrorBody, "description": "A run is already under way"}},
)
async def start_run(
    body: RunToStart, request: Request, response: Response, s: Session = ReadsBriefly
) -> Job:
    """Start a run in the background; poll ``GET /v1/jobs/{job_id}`` (the Location header).

    The run waits for changes under way, then takes the workspace's writer: other
    changes wait for it, reads do not (they see the run once it is committed, whole).
    """
    # async: registered on the event loop, so two requests cannot both find no run
    jobs = _jobs(request)
    busy = next((job for job in jobs.found.values() if job.under_way), None)
    if busy is not None:
        raise ConflictError("api.run_under_way", location=Location(field="as_of"), job=busy.job_id)
    job = jobs.start(as_of=body.as_of, by=s.caller.actor)
    request.app.state.tasks.start_soon(_execute, request, job, s)
    response.headers["Location"] = f"/v1/jobs/{job.job_id}"
    return job


@router.get("/jobs/{job_id}", name="get_job")
def get_job(job_id: int, request: Request, s: Session = Reads) -> Job:
    """A run started over the API: its state, its step while running, then its run or error."""
    job = _jobs(request).found.get(job_id)
    if job is None:
        raise NotFoundError("api.no_job", location=Location(field="job_id"), job=job_id)
    return job


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


async def _execute(request: Request, job: Job, s: Session) -> None:
    """The run of `job`, in the writer's turn, its steps and outcome recorded on the job."""
    jobs = _jobs(request)
    async with writers_turn(request) as workspace:
        jobs.update(job.job_id, state="running")

        def work() -> Run:
            def step(name: str) -> None:
                jobs.update(job.job_id, step=name)

            with workspace.engine.acting_from(s.caller.origin):
                done = workspace.run(as_of=job.as_of, progress=step, actor=s.caller.actor)
            return next(run for run in workspace.runs() if run.run_id == done.run_id)

        try:
            run = await run_in_threadpool(work)
        except SegmintError as exc:
            jobs.update(job.job_id, state="failed", error=errors.body_of(exc, s.lang))
        except Exception:  # told on the job, and logged with a reference
            reference = secrets.token_hex(6)
            log.exception("run job %s failed (%s)", job.job_id, reference)
            error = SegmintError("api.internal", reference=reference)
            jobs.update(job.job_id, state="failed", error=errors.body_of(error, s.lang, status=500))
        else:
            jobs.update(job.job_id, state="finished", run=run)
