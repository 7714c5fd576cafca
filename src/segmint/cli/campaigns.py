"""`segmint campaign create/list/export/report`: campaigns with a hold-out, and their uplift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli.options import (
    EncodingOption,
    ForceOption,
    FormatOption,
    JsonOption,
    LangOption,
    ListOut,
    TemplateOption,
    WorkspaceOption,
)

campaign_app = typer.Typer(help="Campaigns with a hold-out: who gets what, and what it changed.")


def register(app: typer.Typer) -> None:
    """Add `campaign` to the app."""
    app.add_typer(campaign_app, name="campaign")


def holdout_share(text: str) -> float:
    """'10%' or '0.1' as 0.1 (the check of its range is the campaign's)."""
    from segmint.core.errors import InputError, Location

    try:
        return float(text[:-1]) / 100 if text.strip().endswith("%") else float(text)
    except ValueError:
        raise InputError(
            "campaign.bad_holdout", location=Location(field="holdout"), holdout=text
        ) from None


@campaign_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The campaign's name.")],
    segment: Annotated[str, typer.Option("--segment", help="Whose members it reaches.")],
    holdout: Annotated[
        str, typer.Option("--holdout", help="The share who get nothing: 10% or 0.1.")
    ] = "10%",
    variants: Annotated[
        str, typer.Option("--variants", help="Comma-separated variant names, e.g. A,B.")
    ] = "A",
    start: Annotated[
        str | None, typer.Option("--start", help="First day, YYYY-MM-DD (default: today).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Last day, YYYY-MM-DD (default: 30 days on).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Of the assignment (default: a random one).")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """A campaign on a segment: its members assigned to the variants and a hold-out.

    A customer's group follows from the seed and her id, so whoever joins the segment
    later is assigned the same way (see 'campaign export').

    Example: segmint campaign create 春季回访 --segment stage.at_risk --holdout 10% --variants A,B
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.create_campaign(
            name,
            segment=segment,
            holdout=holdout_share(holdout),
            variants=[v.strip() for v in variants.split(",")],
            start=start,
            end=end,
            seed=seed,
            actor="cli",
        )
    if as_json:
        render.emit_result(done)
    else:
        render.campaign_created(done, locale=locale)


@campaign_app.command("list")
def listing(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Every campaign: segment, hold-out, variants, window and seed.

    Example: segmint campaign list
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.campaigns()
    if as_json:
        render.emit_json({"ok": True, "campaigns": found})
    else:
        render.campaigns(found, locale=locale)


@campaign_app.command("export")
def export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The campaign's name.")],
    variant: Annotated[str, typer.Option("--variant", help="Whose list (never the hold-out).")],
    out: ListOut,
    template: TemplateOption = None,
    form: FormatOption = None,
    encoding: EncodingOption = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """The list of one variant: its members now in the segment, newcomers assigned first.

    Example: segmint campaign export 春季回访 --variant A --template sms --out a.csv
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.export_campaign(
            name,
            variant,
            out,
            template=template,
            form=form,
            encoding=encoding,
            lang=locale.lang,
            force=force,
        )
    if as_json:
        render.emit_result(done)
    else:
        render.segment_exported(done, locale=locale)


@campaign_app.command("report")
def report(
    name: Annotated[str, typer.Argument(help="The campaign's name.")],
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each variant against the hold-out over the campaign's window, and what it means.

    Conversion, revenue and orders per customer, the uplift with its 95 % confidence
    interval, and a verdict in words: raised, lowered, no effect, or cannot tell yet
    (with about how many more customers it would take).

    Example: segmint campaign report 春季回访 --lang zh-CN
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.campaign_report(name)
    if as_json:
        render.emit_result(found)
    else:
        render.campaign_report(found, locale=locale)
