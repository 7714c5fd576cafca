"""`segmint serve` and `segmint apikey create/list/revoke`: the REST API and its keys."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import JsonOption, LangOption, WorkspaceOption

# Where this machine reaches a server listening on every address.
LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}  # noqa: S104 -- a lookup
apikey_app = typer.Typer(help="API keys: who may use the REST API, and as what role.")


def register(app: typer.Typer) -> None:
    """Add `serve` and `apikey` to the app."""
    app.command("serve")(serve)
    app.add_typer(apikey_app, name="apikey")


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8000,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
) -> None:
    """Serve the REST API over the workspace until stopped (Ctrl+C).

    The server owns the workspace while it runs: other commands that write to it are
    refused with the server's address; commands that read it ask the server. Every
    route but /v1/health needs an API key ('segmint apikey create'); the routes are
    described at /docs and /v1/openapi.json.

    Example: segmint apikey create --role viewer --name dashboard && segmint serve --port 8000
    """
    import uvicorn

    from segmint.api.app import create_app
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        address = f"http://{host}:{port}"
        local_key = secrets.token_urlsafe(32)  # this server's own command line's (`reading`)
        ws.engine.serving(f"http://{LOOPBACK.get(host, host)}:{port}", token=local_key)
        app = create_app(ws, local_key=local_key)
        render.message(locale.text("cli.serving", address=address))
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@apikey_app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[
        str, typer.Option("--role", help="admin, analyst, viewer (personal data masked) or ingest.")
    ],
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make an API key; it is printed this once (only its hash is kept).

    Example: segmint apikey create --role ingest --name shop-webhook
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        made, key = ws.create_api_key(name, role=role, actor="cli")
    if as_json:
        render.emit_result(made, key=key)
    else:
        render.api_key_created(made, key, locale=locale)


@apikey_app.command("list")
def listing(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Every API key: id, name, role, when made and by whom, and whether revoked.

    Example: segmint apikey list
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        keys = ws.api_keys()
    if as_json:
        render.emit_json({"ok": True, "keys": keys})
    else:
        render.api_keys(keys, locale=locale)


@apikey_app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id ('apikey list').")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke an API key: requests with it are refused from now on.

    Example: segmint apikey revoke 3f9a0c21
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.revoke_api_key(key_id, actor="cli")
    if as_json:
        render.emit_result(done)
    else:
        render.message(locale.text("cli.apikey_revoked", key=done.key_id, name=done.name))
