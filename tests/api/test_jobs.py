"""Runs started over the API: answered at once, run in the background, polled to the end."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from segmint.api.runs import Job
from tests.api.conftest import serving
from tests.conftest import built_demo


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own: the runs started here change the workspace's run list."""
    folder = built_demo(tmp_path_factory, "jobs", customers=300, seed=4, as_of=dt.date(2026, 6, 30))
    with serving(folder) as running:
        yield running


def _until_done(server, job_id: int, *, seen: set[str]) -> Job:
    deadline = time.monotonic() + 120
    while True:
        reply = server.call("GET", f"/v1/jobs/{job_id}", role="viewer")
        assert reply.status == 200, reply.body
        job = Job.model_validate(reply.body)
        seen.add(job.state)
        if not job.under_way:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_a_run_is_started_answered_at_once_and_polled_until_it_is_the_runs_newest(server):
    before = server.call("GET", "/v1/runs", role="viewer").body
    started = server.call("POST", "/v1/runs", role="analyst", body={"as_of": "2026-06-30"})
    assert started.status == 202, started.body
    job = Job.model_validate(started.body)
    assert started.headers["location"] == f"/v1/jobs/{job.job_id}"
    assert (job.state, job.as_of, job.run) == ("waiting", dt.date(2026, 6, 30), None)
    assert job.started_by.endswith(":test-analyst")
    again = server.call("POST", "/v1/runs", role="admin", body={})  # one run at a time
    assert (again.status, again.body["code"]) == (409, "api.run_under_way")
    assert f"/v1/jobs/{job.job_id}" in again.body["hint"]
    reads = server.call("GET", "/v1/runs", role="viewer")  # reads go on beside the run
    assert reads.status == 200
    seen: set[str] = set()
    done = _until_done(server, job.job_id, seen=seen)
    assert done.state == "finished" and done.error is None, done.error
    assert done.run is not None and done.finished_at is not None
    after = server.call("GET", "/v1/runs", role="viewer").body
    assert [r["run_id"] for r in after] == [done.run.run_id] + [r["run_id"] for r in before]
    assert after[0]["current"] and done.run.as_of == dt.date(2026, 6, 30)
    audit = server.call("GET", "/v1/audit?limit=50", role="admin").body
    (entry,) = [e for e in audit if e["action"] == "run" and str(done.run.run_id) in e["target"]]
    assert entry["actor"].endswith(":test-analyst") and entry["origin"] == "127.0.0.1"


def test_a_run_that_fails_says_why_on_its_job_and_the_next_may_start(server):
    started = server.call("POST", "/v1/runs", role="admin", body={"as_of": "1990-01-01"})
    assert started.status == 202
    failed = _until_done(server, started.body["job_id"], seen=set())
    assert failed.state == "failed" and failed.run is None and failed.error is not None
    assert failed.error.code == "run.as_of_before_data" and failed.error.status == 422
    assert "1990-01-01" in failed.error.message
    chinese = server.call("POST", "/v1/runs", role="admin", body={"as_of": "1990-01-02"}, lang="zh")
    assert chinese.status == 202  # the one before is over: the next may start
    told = _until_done(server, chinese.body["job_id"], seen=set())
    assert told.error is not None and "1990-01-02" in told.error.message
    assert any("\u4e00" <= c <= "\u9fff" for c in told.error.message)  # asked in Chinese


def test_a_job_that_does_not_exist_and_a_bad_day_are_named(server):
    missing = server.call("GET", "/v1/jobs/999", role="viewer")
    assert (missing.status, missing.body["code"]) == (404, "api.no_job")
    bad = server.call("POST", "/v1/runs", role="analyst", body={"as_of": "30/06/2026"})
    assert (bad.status, bad.body["location"]) == (422, {"field": "body.as_of"})
    extra = server.call("POST", "/v1/runs", role="analyst", body={"as_off": "2026-06-30"})
    assert extra.status == 422 and extra.body["location"] == {"field": "body.as_off"}
