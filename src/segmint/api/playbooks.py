"""Playbooks over HTTP: run them, read the team's tasks, mark one done."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, StrictBool

from segmint.activate.playbooks import PlaybookRun
from segmint.api.app import Reads, Session, Writes
from segmint.store.playbooks import Task

router = APIRouter(tags=["playbooks"])


class RunAsked(BaseModel):
    """Whether to only say what would be done."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dry_run: StrictBool = False  # not 0 or "yes": a typo must not run the playbooks


@router.post("/playbooks/run", name="run_playbooks")
def run_playbooks(body: RunAsked, s: Session = Writes) -> PlaybookRun:
    """Do the playbooks of the settings for their segments' members, each action once."""
    return s.workspace.run_playbooks(dry_run=body.dry_run)


@router.get("/tasks", name="list_tasks")
def list_tasks(
    owner: str | None = None,
    done: Annotated[bool, Query(description="Done ones too.")] = False,
    s: Session = Reads,
) -> list[Task]:
    """The team's tasks, the newest first: open ones by default, one owner's when given."""
    return s.workspace.tasks(owner=owner, include_done=done)


@router.post("/tasks/{task_id}/done", name="task_done")
def task_done(task_id: int, s: Session = Writes) -> Task:
    """Mark a task done; audited with the key and the caller's address."""
    return s.workspace.task_done(task_id, actor=s.caller.actor)
