"""`segmint rule test`, `segmint segment add|edit|remove|list|show`, `export segment`."""

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
    RunOption,
    TemplateOption,
    WorkspaceOption,
)

rule_app = typer.Typer(help="Try a segment rule before saving it.", no_args_is_help=True)
segment_app = typer.Typer(
    help="Your own segments, written as rules: add, edit, remove, list, show.",
    no_args_is_help=True,
)
RuleArgument = Annotated[
    str,
    typer.Argument(
        metavar="RULE",
        help='A condition over features, labels and windows, e.g. "orders_30d > 3" '
        "(see docs/rules.md). Quote it for the shell.",
    ),
]
NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The segment's name.")]


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the rule and segment commands to the app, and `export segment`."""
    app.add_typer(rule_app, name="rule")
    app.add_typer(segment_app, name="segment")
    rule_app.command("test")(test)
    segment_app.command("add")(add)
    segment_app.command("edit")(edit)
    segment_app.command("remove")(remove)
    segment_app.command("list")(listing)
    segment_app.command("show")(show)
    export_app.command("segment")(export_segment)


def test(
    rule: RuleArgument,
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Preview a rule on the current run: members, shares, overlaps, a sample with why.

    A rule that does not read is refused with its line and column (exit status 1).

    Example: segmint rule test "orders_30d > 3 and discount_share_90d >= 0.5"
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        shown = ws.rule_test(rule, run_id=run_id, lang=locale.lang)
    if as_json:
        render.emit_json({"ok": True, **shown.model_dump(mode="json")})
    else:
        render.rule_preview(shown, locale=locale)


def add(
    ctx: typer.Context,
    name: NameArgument,
    rule: RuleArgument,
    description: Annotated[
        str | None, typer.Option("--description", help="What the segment is for.")
    ] = None,
    static: Annotated[
        bool,
        typer.Option("--static", help="Freeze today's members instead of re-evaluating each run."),
    ] = False,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a rule as a segment, evaluated in every run (or frozen with --static).

    Example: segmint segment add bargain_hunters "share(orders, 90, discounted) >= 0.5"
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        segment, shown = ws.add_segment(
            name, rule, description=description, static=static, actor="cli", lang=locale.lang
        )
    if as_json:
        render.emit_json({"ok": True, "segment": segment, "preview": shown})
    else:
        render.segment_saved(segment, shown, locale=locale)


def edit(
    ctx: typer.Context,
    name: NameArgument,
    rule: Annotated[
        str | None, typer.Argument(metavar="[RULE]", help="The new rule (default: keep it).")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="A new description.")
    ] = None,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a new version of a segment; the runs that used the old one keep it.

    Example: segmint segment edit bargain_hunters "share(orders, 90, discounted) >= 0.6"
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        segment, shown = ws.edit_segment(
            name, rule=rule, description=description, actor="cli", lang=locale.lang
        )
    if as_json:
        render.emit_json({"ok": True, "segment": segment, "preview": shown})
    else:
        render.segment_saved(segment, shown, locale=locale)


def remove(
    ctx: typer.Context,
    name: NameArgument,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retire a segment; the runs that had it keep their members and its history.

    Example: segmint segment remove bargain_hunters
    """
    from segmint.cli import render
    from segmint.core.formats import locale_of
    from segmint.workspace import Workspace

    with Workspace(workspace, command=ctx.command_path) as ws:
        locale = locale_of(ws.settings, lang)
        segment = ws.remove_segment(name, actor="cli")
    if as_json:
        render.emit_json({"ok": True, "removed": segment})
    else:
        render.message(locale.text("cli.segment_removed", name=segment.name))


def listing(
    workspace: WorkspaceOption = Path("."), lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Your segments: rule, members in the current run, version, who changed it when.

    Example: segmint segment list --json
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.segment_list(lang=locale.lang)
    if as_json:
        render.emit_json({"ok": True, "segments": found})
    else:
        render.segment_list(found, locale=locale)


def show(
    name: NameArgument,
    workspace: WorkspaceOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """One segment: its rule in words, every version, and its members run by run.

    Built-in segments (tier.A, stage.at_risk, rfm8.important_value ...) can be shown too.

    Example: segmint segment show tier.A --lang zh-CN
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        found = ws.segment(name, lang=locale.lang)
    if as_json:
        render.emit_json({"ok": True, **found.model_dump(mode="json")})
    else:
        render.segment_detail(found, locale=locale)


def export_segment(
    name: NameArgument,
    out: ListOut,
    form: FormatOption = None,
    template: TemplateOption = None,
    encoding: EncodingOption = None,
    workspace: WorkspaceOption = Path("."),
    run_id: RunOption = None,
    lang: LangOption = None,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """The members of a segment as a file, or laid out for the tool that contacts them.

    Plain: each member with the values her rule reads and why. With --template: the
    columns a bulk email tool, an SMS gateway or a WeCom tag import takes, of the members
    who consented to that channel and have an address it can use.

    Example: segmint export segment tier.A --out tier_a.xlsx

    Example: segmint export segment 沉睡客户 --template sms --encoding gb18030 --out sms.csv
    """
    from segmint.cli import render
    from segmint.cli.served import reading
    from segmint.core.formats import locale_of

    with reading(workspace) as ws:
        locale = locale_of(ws.settings, lang)
        done = ws.export_segment(
            name,
            out,
            template=template,
            form=form,
            encoding=encoding,
            run_id=run_id,
            lang=locale.lang,
            force=force,
        )
    if as_json:
        render.emit_result(done)
    else:
        render.segment_exported(done, locale=locale)
