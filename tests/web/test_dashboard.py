"""The dashboard in a real browser: every page, both languages, the editor, roles, widths."""

from __future__ import annotations

import pytest

from segmint.core import formats
from segmint.core.errors import RuleError
from segmint.core.formats import Locale
from segmint.core.privacy import masked
from tests.web.conftest import Tab

PAGES = ["/", "/tiers", "/rfm", "/lifecycle", "/needs", "/segments", "/segments/new",
         "/customers", "/alerts", "/clv", "/campaigns", "/data"]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_page_loads_draws_its_charts_and_asks_nothing_of_another_host(browser, site, lang):
    tab = Tab(browser, site, role="analyst")
    try:
        tab.open(f"/lang/{lang}?next=/")
        customer = site.workspace.engine.scalar("SELECT min(customer_id) FROM snapshots")
        for path in [*PAGES, f"/customers/{customer}", "/segments/a_drifting"]:
            reply = tab.open(path)
            assert reply.status == 200, (path, reply.status)
            assert tab.errors == [], (path, tab.errors)
            plots = tab.page.locator(".plot")
            assert plots.count() == tab.page.locator(".plot[data-drawn='1']").count(), path
            assert tab.page.locator("html").get_attribute("lang") == lang
        assert tab.requests and all(u.startswith(site.url + "/") for u in tab.requests)
    finally:
        tab.close()


def test_pages_show_the_numbers_their_json_twin_returns(tab):
    tab.open("/lang/zh-CN?next=/")
    twin = tab.site.call("GET", "/v1/insights/overview", role="analyst").body
    kpis = tab.page.locator(".kpi .value").all_inner_texts()
    locale = Locale(lang="zh-CN", currency="CNY")
    assert kpis[0] == formats.count(twin["kpis"]["customers"])
    assert kpis[3] == formats.money(twin["kpis"]["revenue_365d"], locale)
    assert "年" in tab.page.locator("p.note").first.inner_text()  # 2026年6月30日
    tiers = tab.site.call("GET", "/v1/insights/tiers", role="analyst").body
    tab.open("/tiers")
    assert tab.page.locator("#chart-tier_matrix").count() == 1  # two runs: a migration
    first = tab.page.locator("table.data tbody tr").first.locator("td").first.inner_text()
    assert first == formats.count(tiers["groups"][0]["customers"])


def test_the_language_switch_changes_every_text_and_keeps_the_page(tab):
    tab.open("/tiers")
    assert tab.page.locator("h1").inner_text() == "Tiers"
    tab.page.click("a[lang='zh-CN']")
    tab.page.wait_for_url(tab.site.url + "/tiers")
    assert tab.page.locator("h1").inner_text() == "客户等级"
    tab.open("/")
    assert tab.page.locator("h1").inner_text() == "总览"
    tab.page.click("a[lang='en']")
    assert tab.page.locator("h1").inner_text() == "Overview"


def test_the_segment_editor_counts_as_you_type_and_points_at_an_error(tab):
    ws = tab.site.workspace
    tab.open("/segments/new")
    tab.page.fill("#rule", "orders_90d >= 1 and tier = 'A'")
    counted = tab.page.locator("#preview [data-count]")
    counted.wait_for()
    assert (
        int(counted.get_attribute("data-count"))
        == ws.rule_test("orders_90d >= 1 and tier = 'A'").count
    )
    wrong = "orders_90d >= 1 and tier = "
    with pytest.raises(RuleError) as raised:
        ws.rule_test(wrong)
    tab.page.fill("#rule", wrong)
    error = tab.page.locator("#preview .rule-error")
    error.wait_for()
    assert error.get_attribute("data-position") == str(raised.value.location.position)
    assert tab.page.locator("#preview mark.at").count() == 1
    assert tab.errors == []


def test_a_segment_saved_in_the_editor_is_the_librarys(tab):
    tab.open("/segments/new")
    tab.page.fill("#name", "web_made")
    tab.page.fill("#rule", "orders_30d >= 1")
    tab.page.click("form.editor button[type=submit]")
    tab.page.wait_for_url("**/segments/web_made?saved=1")
    assert tab.page.locator("p.ok").count() == 1
    saved = tab.site.workspace.segment("web_made")
    assert saved.segment.rule == "orders_30d >= 1"
    assert saved.segment.created_by.startswith("web:")


def test_a_viewer_sees_masked_personal_data_and_no_change_buttons(browser, site):
    ws = site.workspace
    customer = ws.engine.scalar(
        "SELECT min(customer_id) FROM customers WHERE phone IS NOT NULL AND name IS NOT NULL"
    )
    record = ws.engine.arrow("SELECT * FROM customers WHERE customer_id = ?", [customer])
    shown = masked(record.to_pylist()[0])
    tab = Tab(browser, site, role="viewer")
    try:
        tab.open(f"/customers/{customer}")
        body = tab.page.locator("main").inner_text()
        assert str(shown["phone"]) in body and record["phone"][0].as_py() not in body
        assert record["name"][0].as_py() not in body
        tab.open("/alerts")
        assert tab.page.locator("form[action$='/ack']").count() == 0
        tab.open("/segments")
        assert tab.page.locator("a[href='/segments/new']").count() == 0
    finally:
        tab.close()


def test_phone_width_has_no_sideways_scroll_and_the_keyboard_reaches_every_page(browser, site):
    tab = Tab(browser, site, role="analyst", width=390)
    try:
        for path in ("/", "/tiers", "/clv"):
            tab.open(path)
            overflow = tab.page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 1, (path, overflow)
        tab.open("/")
        tab.page.keyboard.press("Tab")
        assert tab.page.evaluate("document.activeElement.className") == "skip"
        for _ in range(3):
            tab.page.keyboard.press("Tab")
        assert tab.page.evaluate("document.activeElement.getAttribute('href')") == "/tiers"
        tab.page.keyboard.press("Enter")
        tab.page.wait_for_url(site.url + "/tiers")
    finally:
        tab.close()


def test_every_chart_has_its_numbers_as_a_table(tab):
    for path in ("/", "/tiers", "/rfm", "/lifecycle", "/needs", "/clv"):
        tab.open(path)
        for plot in tab.page.locator(".plot").all():
            table = tab.page.locator("#" + plot.get_attribute("aria-describedby") + " table")
            assert table.locator("tbody tr").count() > 0, path


def test_a_saved_segment_is_not_its_own_twin_and_shows_its_trend(tab):
    ws = tab.site.workspace
    tab.open("/segments/a_drifting")
    tab.page.locator("#preview [data-count]").wait_for()
    preview = tab.page.locator("#preview").inner_text()
    assert "a_drifting" not in preview  # not "exactly the members of 'a_drifting'"
    rule = ws.segment("a_drifting").segment.rule
    twin = ws.rule_test(rule, segment="a_drifting")
    assert int(tab.page.locator("#preview [data-count]").get_attribute("data-count")) == twin.count
    tab.open("/segments")
    row = ws.segments().segments[0]
    spark = tab.page.locator("svg.spark").first
    assert spark.get_attribute("aria-label") == " → ".join(str(n) for n in row.trend)


def test_the_customer_page_charts_her_orders_by_month_and_names_things_in_chinese(tab):
    ws = tab.site.workspace
    busiest = ws.engine.scalar(
        "SELECT customer_id FROM orders GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    profile = ws.customer(busiest)
    months = ws.monthly_orders(busiest, as_of=profile.view_as_of or profile.as_of)
    tab.open("/lang/zh-CN?next=/")
    tab.open(f"/customers/{busiest}")
    assert tab.page.locator("#chart-monthly_orders .plot[data-drawn='1']").count() == 1
    rows = tab.page.locator("#numbers-monthly_orders tbody tr").count()
    assert rows == sum(1 for m in months if m.orders or m.revenue) > 0
    main = tab.page.locator("main").inner_text()
    assert "clv_12m" not in main and "未来 12 个月 CLV" in main
    assert "订单 · " in main  # the timeline's kinds by name


def test_alerts_filter_by_severity_and_reason_with_totals_over_all_they_match(tab):
    ws = tab.site.workspace
    totals = ws.alert_totals(severities=["high"])
    assert totals.alerts > 0
    tab.open("/lang/en?next=/alerts")
    tab.page.select_option("#severity", "high")
    tab.page.click("form.filters button[type=submit]")
    tab.page.wait_for_url("**/alerts?severity=high*")
    rows = tab.page.locator("table.alerts tbody tr")
    assert rows.count() == min(totals.alerts, 200)
    assert rows.count() == tab.page.locator("table.alerts tbody tr.sev-high").count()
    note = tab.page.locator("p.note").first.inner_text()
    assert f"{totals.alerts:,} alerts" in note
    shown = ws.alerts(severities=["high"], by_stake=True, limit=1)[0]
    assert rows.first.locator("td").first.inner_text() == shown.customer_id
    reply = tab.open("/alerts?reason=nonsense")
    assert reply.status == 422 and tab.page.locator("html").get_attribute("lang") == "en"


def test_the_new_segment_editor_shows_examples_that_are_rules(tab):
    tab.open("/segments/new")
    text = tab.page.locator("#rule-help").inner_text()
    examples = text.split(": ", 1)[1].split(". ")[0].split(" · ")
    assert len(examples) == 3
    for rule in examples:
        assert tab.site.workspace.rule_test(rule).count >= 0  # parses and runs


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_needs_page_shows_each_cluster_in_words_as_its_json_twin(tab, lang):
    """Witness: /v1/insights/needs in the same language, row by row."""
    tab.open(f"/lang/{lang}?next=/needs")
    twin = tab.site.call("GET", "/v1/insights/needs", role="analyst", lang=lang).body
    described = {str(p["cluster"]): p["description"] for p in twin["profiles"]}
    table = tab.page.locator("table.data").first
    rows = table.locator("tbody tr")
    assert rows.count() == len(twin["clusters"]["groups"]) == len(described) > 1
    for i, group in enumerate(twin["clusters"]["groups"]):
        cells = rows.nth(i).locator("td")
        assert rows.nth(i).locator("th").inner_text() == group["label"]
        assert cells.first.inner_text() == formats.count(group["customers"])
        assert cells.last.inner_text() == described[group["key"]]
    assert ("消费在" if lang == "zh-CN" else "of spend in") in table.inner_text()
    levels = tab.page.locator("table.data").nth(1).locator("tbody th").all_inner_texts()
    assert levels == [g["label"] for g in twin["loyalty"]["groups"]]


def test_the_customer_page_lists_what_she_is_likely_to_buy_next(tab):
    ws = tab.site.workspace
    customer = ws.engine.scalar(
        "SELECT min(customer_id) FROM snapshots WHERE recommended IS NOT NULL AND frequency > 0"
    )
    tab.open(f"/customers/{customer}")
    shown = tab.page.locator("ol.recommended li small").all_inner_texts()
    wanted = ws.customer(customer).recommendations
    assert [s.split(" · ")[0] for s in shown] == [p.product_id for p in wanted]
    assert len(wanted) == 10
