"""The report: opened from disk in a real browser with no server, and its summary's figures."""

from __future__ import annotations

import pandas as pd
import pytest

from segmint.core import formats
from segmint.core.formats import Locale
from segmint.report import document


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_report_opens_from_disk_with_every_chart_drawn(browser, site, tmp_path, lang):
    out = document.write(site.workspace, tmp_path / "report.html", lang=lang)
    report = document.gather(site.workspace, lang=lang)
    drawn = [chart for shown in document.sections(report).values() for chart in shown]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(out.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('.plot').length"
            " === document.querySelectorAll(\".plot[data-drawn='1']\").length",
            timeout=60_000,
        )
        assert page.locator(".plot").count() == len(drawn) >= 10  # tracking and migration too
        assert page.locator("#chart-tracking .main-svg").count() >= 1
        assert errors == []
        assert requests == [out.as_uri()]  # nothing else: no script, style or font from anywhere
        assert page.locator("html").get_attribute("lang") == lang
        changes = page.locator("#changes li").all_inner_texts()
        assert changes == report.changes and len(changes) >= 3
        every = page.locator("[src], [href]").evaluate_all(
            "els => els.map(e => e.getAttribute('src') || e.getAttribute('href'))"
        )
        assert all(link.startswith(("#", "data:")) for link in every), every
    finally:
        context.close()


def test_the_summary_counts_what_an_independent_reading_of_the_runs_finds(site):
    ws = site.workspace
    report = document.gather(ws, lang="en")
    now, before = report.overview.kpis.run_id, report.overview.previous.run_id
    rows = ws.engine.records(
        """SELECT run_id, customer_id, tier, stage, revenue_365d
        FROM snapshots WHERE run_id IN (?, ?)""",
        [before, now],
    )
    frame = pd.DataFrame(rows)
    pivot = frame.pivot(index="customer_id", columns="run_id")
    was, tier, revenue = pivot["tier"][before], pivot["tier"][now], pivot["revenue_365d"][now]
    up = (tier == "A") & (was != "A")
    down = (was == "A") & (tier != "A")
    locale = Locale(lang="en", currency=ws.settings.currency)
    money = lambda mask: formats.money_short(revenue[mask].fillna(0).sum(), locale)  # noqa: E731
    said = " ".join(report.changes)
    if up.any():
        assert f"{up.sum():,} customers moved up to tier A, bringing {money(up)}" in said
    if down.any():
        assert f"{down.sum():,} customers left tier A; they bought {money(down)}" in said
    assert up.any() or down.any()
    drops = ws.engine.records(
        """SELECT count(*) AS n, count(*) FILTER (WHERE severity = 'high') AS top,
            coalesce(sum(CAST(json_extract(params, '$.at_stake_365d') AS DOUBLE)), 0) AS staked
        FROM alerts WHERE run_id = ? AND reason = 'below_expectation'""",
        [now],
    )[0]
    if drops["n"]:
        assert (
            f"{drops['n']:,} valued customers ({drops['top']:,} of them in tier A) are buying"
            f" below expectation: {formats.money_short(drops['staked'], locale)} at stake"
        ) in said
    else:
        assert "No valued customer is buying below expectation." in said
    stage, stage_was = pivot["stage"][now], pivot["stage"][before]
    churned = ((stage == "churned") & (stage_was != "churned")).sum()
    assert f"{churned:,} churned" in said
    customers = report.overview.kpis.customers
    assert said.startswith(f"{customers:,} customers")


def test_the_first_run_says_there_is_nothing_to_compare_yet(site):
    first = min(r.run_id for r in site.workspace.runs())
    report = document.gather(site.workspace, run_id=first, lang="zh-CN")
    assert report.overview.previous is None
    assert report.changes == [
        "这是第一次运行（截至 2026年5月31日）：下次运行的报告会说明有何变化。"
    ]
