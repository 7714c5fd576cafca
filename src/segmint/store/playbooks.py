"""What playbooks did: customers' account managers, the team's tasks, a log of actions.

Every action done for a customer under a playbook rule is logged (rule, action,
customer, the data's day), so a rule run again does nothing twice; owners and tasks are
tables of their own, read by `segmint tasks` and the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.core.errors import Location, NotFoundError
from segmint.store import audit
from segmint.store.engine import Store


class Task(BaseModel):
    """A task for the team: whom to contact, who does it, and whether it is done."""

    model_config = ConfigDict(frozen=True)

    task_id: int
    rule: str
    customer_id: str
    owner: str | None
    title: str
    day: dt.date  # the data's day it was made on
    created_at: dt.datetime
    done_at: dt.datetime | None
    done_by: str | None


_TASK = ", ".join(Task.model_fields)


def owners(engine: Store, members: pa.Table) -> dict[str, str]:
    """The account manager of each customer of `members` (customer_id) who has one."""
    with engine.registered("_members", members.select(["customer_id"])):
        rows = engine.rows(
            "SELECT customer_id, owner FROM customer_owners "
            "WHERE customer_id IN (SELECT customer_id FROM _members)"
        )
    return {str(c): str(o) for c, o in rows}


def loads(engine: Store) -> dict[str, int]:
    """How many customers each account manager has."""
    rows = engine.rows("SELECT owner, count(*) FROM customer_owners GROUP BY 1")
    return {str(o): int(n) for o, n in rows}


def set_owners(
    engine: Store, chosen: pa.Table, *, rule: str, day: dt.date, now: dt.datetime
) -> None:
    """Give the customers of `chosen` (customer_id, owner) those owners (in place of any)."""
    with engine.registered("_chosen", chosen.select(["customer_id", "owner"])):
        engine.execute(
            "INSERT OR REPLACE INTO customer_owners "
            "SELECT customer_id, owner, ?, ?, ? FROM _chosen",
            [rule, day, now],
        )


def last_tasks(engine: Store, rule: str, members: pa.Table) -> dict[str, dt.date]:
    """The day of the newest task of `rule` for each customer of `members` who has one."""
    with engine.registered("_members", members.select(["customer_id"])):
        rows = engine.rows(
            """SELECT customer_id, max(day) FROM tasks WHERE rule = ?
            AND customer_id IN (SELECT customer_id FROM _members) GROUP BY 1""",
            [rule],
        )
    return {str(c): d for c, d in rows}


def add_tasks(
    engine: Store,
    chosen: pa.Table,
    *,
    rule: str,
    title: str,
    day: dt.date,
    now: dt.datetime,
) -> int:
    """A task titled `title` for each customer of `chosen` (customer_id, owner); how many."""
    with engine.registered("_chosen", chosen.select(["customer_id", "owner"])):
        ((made,),) = engine.rows(
            """INSERT INTO tasks SELECT
                (SELECT coalesce(max(task_id), 0) FROM tasks)
                    + row_number() OVER (ORDER BY customer_id),
                ?, customer_id, owner, ?, ?, ?, NULL, NULL
            FROM _chosen""",
            [rule, title, day, now],
        )
    return int(made)


def not_logged(engine: Store, rule: str, action: str, members: pa.Table) -> list[str]:
    """The customers of `members` that `rule` has not done `action` for yet, by id."""
    with engine.registered("_members", members.select(["customer_id"])):
        rows = engine.rows(
            """SELECT customer_id FROM _members EXCEPT
            SELECT customer_id FROM playbook_log WHERE rule = ? AND action = ? ORDER BY 1""",
            [rule, action],
        )
    return [str(r[0]) for r in rows]


def log(
    engine: Store,
    customers: Sequence[str],
    *,
    rule: str,
    action: str,
    day: dt.date,
    now: dt.datetime,
    detail: str | None = None,
) -> None:
    """Record that `rule` did `action` for `customers` today."""
    ids = pa.table({"customer_id": pa.array(list(customers), pa.string())})
    with engine.registered("_done", ids):
        engine.execute(
            "INSERT INTO playbook_log SELECT ?, ?, customer_id, ?, ?, ? FROM _done",
            [rule, action, day, now, detail],
        )


def tasks(engine: Store, *, owner: str | None = None, open_only: bool = True) -> list[Task]:
    """Tasks, the newest first: open ones by default, one owner's when given."""
    rows = engine.rows(
        f"""SELECT {_TASK} FROM tasks WHERE (? IS NULL OR owner = ?)
        AND (NOT ? OR done_at IS NULL) ORDER BY day DESC, task_id""",
        [owner, owner, open_only],
    )
    return [_task(r) for r in rows]


def done(engine: Store, task_id: int, *, actor: str) -> Task:
    """Mark a task done (again: nothing changes); audited.

    Raises
    ------
    NotFoundError
        No such task (``task.not_found``).
    """
    found = engine.rows(f"SELECT {_TASK} FROM tasks WHERE task_id = ?", [task_id])
    if not found:
        raise NotFoundError("task.not_found", location=Location(field="id"), task=task_id)
    task = _task(found[0])
    if task.done_at is not None:
        return task
    with engine.transaction():
        engine.execute(
            "UPDATE tasks SET done_at = ?, done_by = ? WHERE task_id = ?",
            [dt.datetime.now(dt.UTC), actor, task_id],
        )
        audit.record(engine, "task_done", target=f"task {task_id}", actor=actor, details={})
    return _task(engine.rows(f"SELECT {_TASK} FROM tasks WHERE task_id = ?", [task_id])[0])


def _task(row: tuple[object, ...]) -> Task:
    return Task.model_validate(dict(zip(Task.model_fields, row, strict=True)))
