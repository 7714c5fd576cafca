"""Reading commands keep working while `segmint serve` holds the workspace.

DuckDB lets no other process open a file one process writes, not even to read. A reading
command opens the workspace with `reading`: by itself when it can, and otherwise — when
the holder is a server — through that server, with the key it left for its owner in the
holder file (`segmint.api.local`). Either way the command gets an object answering the
same reading methods with the same typed results.
"""

from __future__ import annotations

import inspect
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from segmint.core.config import Settings
from segmint.core.errors import Location, SegmintError, WorkspaceBusyError
from segmint.store import holder as holders
from segmint.store.holder import Holder
from segmint.workspace import DATABASE_FILE, Workspace

TIMEOUT = 600.0  # seconds: an export of every customer may take minutes


@contextmanager
def reading(folder: Path) -> Iterator[Workspace]:
    """The workspace at `folder` to read: opened read-only, or asked through its server.

    Raises `WorkspaceBusyError` when a command other than a server holds it.
    """
    workspace = Workspace(folder, read_only=True)
    served = _server_of(workspace)
    if served is not None:
        yield served
        return
    with workspace:
        yield workspace


def _server_of(workspace: Workspace) -> Workspace | None:
    """The server holding `workspace`, asked as the workspace itself; None when it is free."""
    try:
        workspace.engine  # noqa: B018 -- opens it now, to learn whether it is held
    except WorkspaceBusyError:
        holder = holders.read(workspace.path / DATABASE_FILE)
        if holder is None or holder.address is None or holder.token is None:
            raise
        # the same reading methods and typed results, answered by the server
        return cast(Workspace, Served(workspace.settings, holder))
    return None


class Served:
    """A workspace's reading methods, called through the server that holds it."""

    def __init__(self, settings: Settings, holder: Holder) -> None:
        self.settings = settings
        self._address = f"{holder.address}/v1/local"
        self._token = holder.token

    def __getattr__(self, name: str) -> Callable[..., Any]:
        from segmint.api.local import CALLS, result

        if name not in CALLS:
            raise AttributeError(name)
        signature = inspect.signature(CALLS[name])

        def call(*args: object, **kwargs: object) -> Any:
            arguments = signature.bind(self, *args, **kwargs).arguments
            del arguments["self"]
            return result(name).validate_python(self._post(name, arguments))

        return call

    def _post(self, name: str, arguments: dict[str, object]) -> object:
        from pydantic_core import to_jsonable_python

        sent = {k: v.resolve() if isinstance(v, Path) else v for k, v in arguments.items()}
        request = urllib.request.Request(  # noqa: S310 -- the holder's own address
            f"{self._address}/{name}",
            data=json.dumps({"arguments": to_jsonable_python(sent)}).encode(),
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                "Accept-Language": str(arguments.get("lang") or self.settings.lang),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            raise ServedError(json.loads(exc.read())) from None


class ServedError(SegmintError):
    """An error the server answered with, told as it worded it."""

    def __init__(self, body: dict[str, Any]) -> None:
        self._text: tuple[str, str | None] = (body["message"], body.get("hint"))
        location = Location(**body["location"]) if body.get("location") else None
        super().__init__(body["code"], location=location)

    def render(self, lang: str) -> tuple[str, str | None]:
        """The server's words (asked for in the command's language)."""
        return self._text
