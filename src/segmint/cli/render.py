"""Everything the command line shows: tables, progress, errors, JSON (the one Rich user)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from segmint.cli import formats
from segmint.cli.formats import Locale
from segmint.core import i18n
from segmint.core.errors import SegmintError, located


def _out() -> Console:
    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = 120  # piped into a file or a pager: don't squeeze tables to 80
    return console


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)


def emit_json(data: object) -> None:
    """Machine output: one JSON document on stdout (typed results as their JSON form)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable) + "\n")


def _jsonable(value: object) -> object:
    """A value json cannot write itself: a typed result's fields, else its text."""
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else str(value)


def error(exc: SegmintError, *, as_json: bool = False, lang: str = i18n.DEFAULT_LANG) -> None:
    """An error the user can act on: what, where, what would be right — no traceback."""
    if as_json:
        emit_json(exc.as_dict(lang))
        return
    text, hint = exc.render(lang)
    word = f"[bold red]{escape(i18n.message('cli.error', lang))}[/]"
    _notice(_err(), word, exc.code, located(exc.location, text, lang), hint, lang=lang)


def _notice(
    console: Console, word: str, code: str, text: str, hint: str | None, *, lang: str
) -> None:
    """An error or a warning: its word, its code and text, then its hint."""
    console.print(f"{word} [dim]{code}[/] {escape(text)}")
    if hint:
        console.print(f"[yellow]{escape(i18n.message('cli.hint', lang))}[/]{escape(hint)}")


def message(text: str) -> None:
    """One line for the user (stdout)."""
    _out().print(text)


def _bar(*columns: Any) -> Progress:
    """A description and a bar, then `columns`, on stderr; off when it is not a terminal."""
    console = _err()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *columns,
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


@contextmanager
def progress(description: str) -> Iterator[Any]:
    """A progress bar on a terminal, nothing when piped; yields a `(done, total)` callback."""
    bar = _bar(DownloadColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


@contextmanager
def steps(first: str) -> Iterator[Any]:
    """A spinner with the current step on a terminal, nothing when piped; yields `say(text)`."""
    console = _err()
    if not console.is_terminal:
        yield lambda _text: None
        return
    with console.status(first) as spinner:
        yield lambda text: spinner.update(text)


def _table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for i, name in enumerate(columns):
        right = bool(i) and _numeric(rows, i)
        # fold: Chinese has no spaces to wrap at, and Rich would cut a long reason short
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(escape(_text(v)) for v in row))
    return table


def _numeric(rows: Sequence[Sequence[object]], i: int) -> bool:
    return bool(rows) and all(isinstance(r[i], int | float) for r in rows)


def _text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.count(value)
    return "" if value is None else str(value)


def _labels(locale: Locale, *keys: str) -> tuple[str, ...]:
    return tuple(locale.label(k) for k in keys)


def import_result(result: Mapping[str, Any], *, locale: Locale, preset: str | None = None) -> None:
    """The counts of one import and its first problems; a table per table a file filled.

    `preset` is the title of the platform preset the file was read with, if any.
    """
    console = _out()
    name = preset or locale.label("table." + result["kind"])
    title = f"{name} ← {result['file']} ({result['format']}"
    title += f", {result['encoding']})" if result["encoding"] else ")"
    if preset is None:
        keys = ("accepted", "updated", "already_present", "quarantined", "customers_created")
        rows = [(locale.label(k), result[k]) for k in keys]
        if result["duplicates_in_file"]:
            rows.append((locale.label("duplicates_in_file"), result["duplicates_in_file"]))
        console.print(_table(title, ("", locale.label("rows")), rows))
    else:
        _tables_filled(console, result, title=title, locale=locale)
        used = locale.text("cli.preset_used", title=preset, name=result["preset"])
        console.print(f"[dim]{escape(used)}[/]")
    read = locale.text(
        "cli.rows_read",
        rows=formats.count(result["rows_read"]),
        seconds=formats.decimal(result["seconds"], digits=1),
        import_id=result["import_id"],
    )
    console.print(f"[dim]{escape(read)}[/]")
    if result["ignored_columns"]:
        unused = locale.text("cli.columns_not_used", columns=", ".join(result["ignored_columns"]))
        console.print(f"[dim]{escape(unused)}[/]")
    if result["problems"]:
        _problems(result, locale=locale)


def _tables_filled(
    console: Console, result: Mapping[str, Any], *, title: str, locale: Locale
) -> None:
    """New, updated and unchanged rows per table; then what moved (statuses) and rows set aside."""
    keys = ("accepted", "updated", "already_present")
    rows = [(locale.label("table." + t["kind"]), *(t[k] for k in keys)) for t in result["tables"]]
    console.print(_table(title, _labels(locale, "table", *keys), rows))
    for counts in result["tables"]:
        if counts["changes"]:
            moved = ", ".join(_change(c, counts["kind"], locale) for c in counts["changes"])
            table = locale.label("table." + counts["kind"])
            console.print(escape(locale.text("cli.table_changes", table=table, changes=moved)))
    for key in ("quarantined", "duplicates_in_file"):
        if result[key]:
            console.print(escape(f"{locale.label(key)}: {formats.count(result[key])}"))


def _change(change: Mapping[str, Any], kind: str, locale: Locale) -> str:
    """A change as the reader reads it: Order status: shipped → completed ×2."""
    what = locale.name(f"column.{kind}", change["column"])
    if change["before"] is not None or change["after"] is not None:
        before, after = (locale.name("value.order", change[k]) for k in ("before", "after"))
        what = f"{what}: {before} → {after}"
    return f"{what} ×{formats.count(change['rows'])}"


def _problems(result: Mapping[str, Any], *, locale: Locale) -> None:
    console = _out()
    shown = [
        (str(p.get("row", "")), p["code"], p.get("field", ""), p["message"])
        for p in result["problems"][:10]
    ]
    headers = _labels(locale, "row", "code", "field", "message")
    console.print(_table(locale.text("cli.first_problems"), headers, shown))
    where = locale.text("cli.quarantine_file", file=result["quarantine_file"])
    console.print(f"[yellow]{escape(where)}[/]")


def status(data: Mapping[str, Any], *, locale: Locale) -> None:
    """Table sizes, revenue, date range and the latest imports."""
    console = _out()
    sizes = [(locale.label(f"table.{t}"), n) for t, n in data["tables"].items()]
    title = locale.text("cli.workspace", path=data["workspace"])
    console.print(_table(title, _labels(locale, "table", "rows"), sizes))
    revenue = formats.money(data["net_revenue"], locale)
    console.print(escape(locale.text("cli.net_revenue", revenue=revenue)))
    if data["orders_from"]:
        first, last = (formats.day(data[k], locale) for k in ("orders_from", "orders_to"))
        console.print(escape(locale.text("cli.orders_span", first=first, last=last)))
    console.print(
        f"[dim]{escape(locale.text('cli.schema_version', version=data['schema_version']))}[/]"
    )
    if data["last_imports"]:
        _last_imports(data["last_imports"], locale=locale)


def _last_imports(imports: Sequence[Mapping[str, Any]], *, locale: Locale) -> None:
    rows = [
        (
            formats.moment(i["finished_at"], locale),
            locale.label(f"table.{i['kind']}"),
            Path(i["file"]).name,
            i["accepted"],
            i["updated"],
            i["quarantined"],
        )
        for i in imports
    ]
    headers = (
        formats.zone(locale),
        *_labels(locale, "kind", "file", "accepted", "updated", "quarantined"),
    )
    _out().print(_table(locale.text("cli.last_imports"), headers, rows))


def duplicates(groups: Sequence[Mapping[str, Any]], *, locale: Locale) -> None:
    """Groups of customer ids sharing a phone or e-mail."""
    if not groups:
        _out().print(escape(locale.text("cli.no_duplicates")))
        return
    separator = locale.text("cli.list_separator")
    rows = [
        (_field(g["field"], locale), g["value"], separator.join(g["customer_ids"])) for g in groups
    ]
    title = locale.text("cli.possible_duplicates", count=formats.count(len(groups)))
    _out().print(_table(title, _labels(locale, "shared", "value", "customer_ids"), rows))


def merged(keep: str, other: str, moved: Mapping[str, int], *, locale: Locale) -> None:
    """What a merge of two customers moved, per table."""
    title = locale.text("cli.merged", other=other, keep=keep)
    rows = [(locale.label(f"table.{t}"), n) for t, n in moved.items()]
    _out().print(_table(title, _labels(locale, "table", "moved"), rows))


def key_values(title: str, data: Mapping[str, object]) -> None:
    """A two-column table of labels and values."""
    _out().print(_table(title, ("", ""), list(data.items())))


@contextmanager
def stages(description: str, *, total: int) -> Iterator[Any]:
    """A bar over `total` steps on a terminal; yields `step(name)` to call as each starts."""
    bar = _bar(TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with bar:
        task = bar.add_task(description, total=total)
        seen: list[str] = []

        def step(name: str) -> None:
            bar.update(task, completed=len(seen), description=f"{description}: {name}")
            seen.append(name)

        yield step


def _segment_rows(rows: Sequence[Mapping[str, Any]], locale: Locale) -> list[tuple[object, ...]]:
    return [
        (
            r["family_label"],
            r["label"],
            r["customers"],
            formats.percent(r["share"]),
            formats.percent(r["revenue_share"]),
            formats.money(r["avg_clv_12m"], locale),
            formats.percent(r["repurchase_rate"]),
            formats.percent(r["churn_rate"]),
            formats.money(r["aov"], locale),
            "" if r["change"] is None else f"{r['change']:+,}",
        )
        for r in rows
    ]


_SEGMENT_COLUMNS = (
    "family",
    "segment",
    "customers",
    "share",
    "revenue_share",
    "avg_clv_12m",
    "repurchase_rate",
    "churn_rate",
    "aov",
    "change",
)


def _segment_headers(locale: Locale) -> tuple[str, ...]:
    return _labels(locale, *_SEGMENT_COLUMNS)


def run_result(data: Mapping[str, Any], *, locale: Locale) -> None:
    """What a run did, and the headline segments."""
    console = _out()
    done = locale.text(
        "cli.run_done",
        run_id=data["run_id"],
        as_of=data["as_of"],
        customers=formats.count(data["customers"]),
        seconds=formats.decimal(data["seconds"], digits=1),
        model=data["clv_model"] or "-",
    )
    console.print(escape(done))
    headline = [r for r in data["segments"] if r["family"] in ("tier", "stage", "value_customer")]
    title = locale.text("cli.segments")
    console.print(_table(title, _segment_headers(locale), _segment_rows(headline, locale)))
    if data["alerts"]["raised"] or data["alerts"]["resolved"]:
        said = locale.text("cli.run_alerts", **data["alerts"])
        console.print(f"[yellow]{escape(said)}[/]")
    for warning in data["warnings"]:
        word = f"[bold yellow]{escape(locale.text('run.warning'))}[/]"
        _notice(
            console, word, warning["code"], warning["message"], warning["hint"], lang=locale.lang
        )
    if data["backtest"]:
        current = data["current_run"]
        note = locale.text(
            "run.backtest_note",
            current=current["run_id"],
            as_of=current["as_of"],
            run=data["run_id"],
        )
        console.print(f"[yellow]{escape(note)}[/]")
    console.print(f"[dim]{escape(locale.text('cli.next_after_run'))}[/]")


def runs(found: Sequence[Mapping[str, Any]], *, locale: Locale) -> None:
    """The runs, newest first."""
    if not found:
        _out().print(escape(locale.text("cli.no_runs")))
        return
    rows = [
        (
            r["run_id"],
            str(r["as_of"]),
            r["customers"],
            r["facts"].clv.model or "-",
            formats.moment(r["finished_at"], locale),
            locale.text(
                "cli.seconds",
                seconds=formats.decimal(
                    (r["finished_at"] - r["started_at"]).total_seconds(), digits=1
                ),
            ),
            r["config_hash"],
            locale.text("label.current_run")
            if r["current"]
            else locale.text("label.backtest")
            if r["backtest"]
            else "",
        )
        for r in found
    ]
    columns = (
        *_labels(locale, "run", "as_of", "customers", "clv_model"),
        formats.zone(locale),
        *_labels(locale, "took", "settings", "run_kind"),
    )
    _out().print(_table(locale.text("cli.runs"), columns, rows))


def segments(
    data: Mapping[str, Any],
    moved: Mapping[str, Any] | None,
    *,
    names: Mapping[str, Mapping[str, str]],
    locale: Locale,
) -> None:
    """Segments with KPIs, then the tier and stage moves since the previous run."""
    console = _out()
    title = locale.text("cli.segments_of_run", run_id=data["run_id"], as_of=data["as_of"])
    if data["previous_run"] is not None:
        title += locale.text("cli.change_since", run_id=data["previous_run"])
    rows = _segment_rows(data["segments"], locale)
    console.print(_table(title, _segment_headers(locale), rows))
    curve = data["pareto_curve"]
    if len(curve) == 101:
        top = locale.text(
            "cli.pareto", top20=formats.percent(curve[20]), top50=formats.percent(curve[50])
        )
        console.print(escape(top))
    if moved is not None:
        _moves(moved, names=names, locale=locale)


def _moves(
    moved: Mapping[str, Any], *, names: Mapping[str, Mapping[str, str]], locale: Locale
) -> None:
    for family, cells in moved["transitions"].items():
        named = names.get(family, {})
        rows = [
            (
                named.get(c["before"], c["before"]) or locale.text("cli.new_in_run"),
                named.get(c["after"], c["after"]) or locale.text("cli.gone_in_run"),
                c["customers"],
                formats.money(c["revenue_365d"], locale),
            )
            for c in cells
            if c["before"] != c["after"]
        ]
        if rows:
            title = locale.text("cli.moves", family=locale.label(f"family.{family}"))
            headers = _labels(locale, "from", "to", "customers", "revenue_365d")
            _out().print(_table(title, headers, rows))
    own = [
        (m["segment"], m["entered"], m["left"], formats.money(m["revenue_365d_entered"], locale))
        for m in moved["moves"]
        if m["family"] == "rules"
    ]
    if own:
        headers = _labels(locale, "segment", "entered", "left", "revenue_365d")
        _out().print(_table(locale.text("cli.own_moves"), headers, own))


def _field(name: str, locale: Locale) -> str:
    return locale.name("label.field", name)


def profile(
    data: Mapping[str, Any], *, names: Mapping[str, Mapping[str, str]], locale: Locale
) -> None:
    """The 360° profile of one customer."""
    console = _out()
    top = locale.text(
        "cli.profile_of", run_id=data["run_id"], as_of=data["as_of"], zone=locale.timezone
    )
    console.print(f"[bold]{escape(data['customer_id'])}[/] · {escape(top)}")
    identity = data["identity"] or {}
    shown = [
        (_field(k, locale), _identity_value(k, v, locale))
        for k, v in identity.items()
        if v is not None and k != "customer_id"
    ]
    if shown:
        console.print(_table(locale.text("cli.identity"), ("", ""), shown))
    _why(data, locale=locale)
    if data["segments"]:
        own = [(s["name"], "\n".join(s["why"])) for s in data["segments"]]
        headers = _labels(locale, "segment", "why")
        console.print(_table(locale.text("cli.own_segments"), headers, own))
    if data.get("alerts"):
        shown_alerts = [
            (a.alert_id, locale.name("value.severity", a.severity), a.text(locale.lang))
            for a in data["alerts"]
        ]
        headers = _labels(locale, "id", "severity", "why")
        console.print(_table(locale.text("cli.alerts"), headers, shown_alerts))
    row = data["snapshot"] or {}
    values = [
        (_field(k, locale), _snapshot_value(k, v, names=names, locale=locale))
        for k, v in row.items()
        if k not in ("customer_id", "value_parts")
    ]
    console.print(_table(locale.text("cli.features_and_scores"), ("", ""), values))
    if data["history"]:
        _history(data["history"], names=names, locale=locale)
    if data["timeline"]:
        _timeline(data["timeline"], locale=locale)


def _why(data: Mapping[str, Any], *, locale: Locale) -> None:
    labels = [
        (locale.label(f"family.{k}"), v, data["why"].get(k, "")) for k, v in data["labels"].items()
    ]
    if data["why"].get("rfm"):
        labels.append((locale.label("rfm"), data["snapshot"]["rfm_cell"], data["why"]["rfm"]))
    headers = ("", *_labels(locale, "label", "why"))
    _out().print(_table(locale.text("cli.labels_and_why"), headers, labels))


def _identity_value(name: str, value: object, locale: Locale) -> str:
    if name == "gender":
        return locale.name("value.gender", value)
    return formats.field_value(name, value, locale)


def _snapshot_value(
    name: str, value: object, *, names: Mapping[str, Mapping[str, str]], locale: Locale
) -> str:
    family = names.get(name)
    if family is not None and value is not None:
        key = str(value).lower() if isinstance(value, bool) else str(value)
        return family.get(key, key)
    return formats.field_value(name, value, locale)


def _history(
    history: Sequence[Mapping[str, Any]],
    *,
    names: Mapping[str, Mapping[str, str]],
    locale: Locale,
) -> None:
    columns = tuple(history[0])
    rows = [
        tuple(_snapshot_value(k, v, names=names, locale=locale) for k, v in h.items())
        for h in history
    ]
    headers = tuple(_field(c, locale) for c in columns)
    _out().print(_table(locale.text("cli.history"), headers, rows))


def _timeline(timeline: Sequence[Mapping[str, Any]], *, locale: Locale) -> None:
    rows = [
        (
            formats.moment(t["happened_at"], locale),
            locale.name("value.kind", t["kind"]),
            t["ref"],
            locale.name(f"value.{t['kind']}", t["what"]),
            formats.money(t["detail"], locale) if t["kind"] == "order" else t["detail"],
        )
        for t in timeline
    ]
    headers = (formats.zone(locale), *_labels(locale, "kind", "id", "what", "detail"))
    _out().print(_table(locale.text("cli.recent"), headers, rows))


def headline(data: Mapping[str, Any], *, locale: Locale) -> None:
    """The demo's headline: who the value customers are, tiers, stages, churn risk."""
    console = _out()
    said = locale.text(
        "cli.headline",
        run_id=data["run_id"],
        as_of=data["as_of"],
        customers=formats.count(data["customers"]),
        value_customers=formats.count(data["value_customers"]),
        churn_risk=formats.count(data["churn_risk"]),
    )
    console.print("\n" + escape(said))
    tiers = [
        (t["tier"], t["customers"], formats.percent(t["revenue_share"])) for t in data["tiers"]
    ]
    console.print(
        _table(locale.label("family.tier"), _labels(locale, "tier", "customers", "revenue"), tiers)
    )
    stages_ = list(data["stages"].items())
    console.print(
        _table(locale.label("family.stage"), _labels(locale, "stage", "customers"), stages_)
    )
    rfm11 = list(data["rfm11"].items())
    console.print(
        _table(locale.label("family.rfm11"), _labels(locale, "segment", "customers"), rfm11)
    )


def rule_preview(shown: Any, *, locale: Locale) -> None:
    """What a rule selects: the sentence, counts and shares, overlaps, a sample with why."""
    console = _out()
    console.print(f"[bold]{escape(shown.sentence)}[/]")
    said = locale.text(
        "cli.rule_members",
        count=formats.count(shown.count),
        share=formats.percent(shown.share),
        revenue=formats.percent(shown.revenue_share) if shown.revenue_share is not None else "-",
        run_id=shown.run_id,
    )
    console.print(escape(said))
    _lints(console, shown.lint, locale=locale)
    if shown.overlaps:
        overlaps = [(o.name, o.members, o.shared) for o in shown.overlaps]
        headers = _labels(locale, "segment", "customers", "shared")
        console.print(_table(locale.text("cli.overlaps"), headers, overlaps))
    if shown.sample:
        sample = [(w.customer_id, "\n".join(w.clauses)) for w in shown.sample]
        headers = _labels(locale, "customer", "why")
        console.print(_table(locale.text("cli.sample_members"), headers, sample))


def _lints(console: Console, lints: Sequence[Any], *, locale: Locale) -> None:
    for lint in lints:
        word = f"[bold yellow]{escape(locale.text('run.warning'))}[/]"
        console.print(f"{word} [dim]segment.lint_{lint.kind}[/] {escape(lint.render(locale.lang))}")


def segment_saved(segment: Any, shown: Any, *, locale: Locale) -> None:
    """A saved segment version and what it selects on the current run."""
    key = "cli.segment_added" if segment.version == 1 else "cli.segment_edited"
    console = _out()
    console.print(escape(locale.text(key, name=segment.name, version=segment.version)))
    rule_preview(shown, locale=locale)


def segment_list(found: Sequence[Any], *, locale: Locale) -> None:
    """The team's segments, one row each."""
    if not found:
        _out().print(escape(locale.text("cli.no_segments")))
        return
    rows = [
        (
            d.segment.name,
            d.segment.rule,
            "-" if d.members is None else d.members,
            d.segment.version,
            locale.label("static") if d.segment.static else locale.label("dynamic"),
            d.segment.changed_by or "",
            formats.moment(d.segment.changed_at, locale) if d.segment.changed_at else "",
        )
        for d in found
    ]
    headers = _labels(locale, "segment", "rule", "customers", "version", "kind", "by", "changed")
    _out().print(_table(locale.text("cli.your_segments"), headers, rows))


def segment_detail(found: Any, *, locale: Locale) -> None:
    """One segment: rule and sentence, versions, runs."""
    console = _out()
    segment = found.segment
    console.print(f"[bold]{escape(segment.name)}[/] · {escape(segment.rule)}")
    console.print(escape(found.sentence))
    if segment.description:
        console.print(escape(segment.description))
    versions = [
        (
            v.version,
            v.rule,
            v.changed_by or "",
            formats.moment(v.changed_at, locale) if v.changed_at else "",
        )
        for v in found.versions
    ]
    headers = _labels(locale, "version", "rule", "by", "changed")
    console.print(_table(locale.text("cli.versions"), headers, versions))
    if found.runs:
        rows = [(u.run_id, str(u.as_of), u.version, u.members) for u in found.runs]
        headers = _labels(locale, "run", "as_of", "version", "customers")
        console.print(_table(locale.text("cli.segment_runs"), headers, rows))


def alert_list(found: Sequence[Any], *, locale: Locale) -> None:
    """The alerts, one row each: id, severity, customer, reason in words, when and by what."""
    if not found:
        _out().print(escape(locale.text("cli.no_alerts")))
        return
    rows = [
        (
            a.alert_id,
            locale.name("value.severity", a.severity),
            a.customer_id,
            a.text(locale.lang),
            formats.moment(a.raised_at, locale),
            locale.text("cli.by_run", run=a.run_id) if a.run_id is not None else a.raised_by,
        )
        for a in found
    ]
    headers = _labels(locale, "id", "severity", "customer", "why", "raised", "raised_by")
    _out().print(_table(locale.text("cli.alerts"), headers, rows))
