"""The server's own command line: reading commands asked of the server that holds the file.

While `segmint serve` runs, DuckDB lets no other process open the workspace, not even to
read. A reading command (`segmint status`, `segments`, `customer ID`, an export …) then
calls the same `Workspace` method here instead, with the key the server left for its
owner in the holder file (`access.LOCAL_KEY`), and gets back the same typed result. The
methods it may call are the table `CALLS`; their parameters and results are checked
and encoded from the methods' own type hints, so the two ends cannot drift apart.
This route is not part of the published API (it is not in the OpenAPI document).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model

from segmint.activate.campaigns import CampaignReport
from segmint.activate.lists import SegmentExport
from segmint.api.app import Reads, Session
from segmint.core.errors import InputError, Location, NotFoundError
from segmint.segments.results import Alert, AlertTotals
from segmint.segments.saved import Preview, SegmentDetail
from segmint.store.apikeys import ApiKey
from segmint.store.campaigns import Campaign
from segmint.store.playbooks import Task
from segmint.store.webhooks import Message, Subscription
from segmint.workspace import Workspace

router = APIRouter(include_in_schema=False)

# The reading methods a command may call through the server.
CALLS: dict[str, Callable[..., Any]] = {
    name: getattr(Workspace, name)
    for name in (
        "status",
        "runs",
        "segments",
        "diff",
        "customer",
        "alerts",
        "duplicates",
        "rule_test",
        "segment_list",
        "segment",
        "export",
        "export_segment",
        "api_keys",
        "webhooks",
        "dead_letters",
        "campaigns",
        "campaign_report",
        "tasks",
        "export_tasks",
        # what `segmint report` reads
        "overview",
        "tiers",
        "rfm_view",
        "lifecycle",
        "clv_view",
        "value_customers",
        "alert_totals",
        "needs",
    )
}


# The types the methods' hints name but their modules import only for type checkers.
_NAMES = {
    kind.__name__: kind
    for kind in (
        Alert,
        AlertTotals,
        ApiKey,
        Campaign,
        CampaignReport,
        Message,
        Preview,
        SegmentDetail,
        SegmentExport,
        Subscription,
        Task,
    )
}


class Call(BaseModel):
    """A method's arguments by name, as JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    arguments: dict[str, Any] = {}


@functools.cache
def parameters(name: str) -> type[BaseModel]:
    """The parameters of `CALLS[name]` as a model: arguments sent as JSON, checked."""
    method = CALLS[name]
    hints = get_type_hints(method, localns=_NAMES)
    fields: dict[str, Any] = {
        p.name: (hints[p.name], ... if p.default is p.empty else p.default)
        for p in list(inspect.signature(method).parameters.values())[1:]  # not self
    }
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


@functools.cache
def result(name: str) -> TypeAdapter[Any]:
    """What `CALLS[name]` returns, to encode it here and decode it at the other end."""
    return TypeAdapter(get_type_hints(CALLS[name], localns=_NAMES)["return"])


@router.post("/local/{name}", name="call_workspace")
def call_workspace(name: str, call: Call, s: Session = Reads) -> JSONResponse:
    """Call the reading method `name` of the workspace; its result as JSON."""
    if name not in CALLS:
        raise NotFoundError("api.no_call", location=Location(field="name"), name=name)
    try:
        given = parameters(name).model_validate(call.arguments)
    except ValidationError as exc:
        first = ".".join(str(part) for part in exc.errors()[0]["loc"])
        raise InputError("api.bad_call", location=Location(field=first), name=name) from exc
    found = CALLS[name](
        s.workspace, **{field: getattr(given, field) for field in given.model_fields_set}
    )
    return JSONResponse(result(name).dump_python(found, mode="json"))
