"""The Jinja environment of the dashboard and the report: templates, filters, assets.

Figures are formatted by `core.formats` (as the command line formats them), texts come
from the catalogue, and charts are Plotly figure dicts handed to the page as JSON.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from decimal import Decimal
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from segmint.core import formats, i18n
from segmint.core.formats import Locale

HTMX = "htmx-2.0.11.min.js"


@functools.cache
def plotly_js() -> tuple[str, str]:
    """plotly.js as the pinned plotly package ships it: its version and its text."""
    text = (resources.files("plotly") / "package_data" / "plotly.min.js").read_text("utf-8")
    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", text[:500])
    return (found.group(1) if found else "unknown"), text


def plotly_name() -> str:
    """The file name plotly.js is served under, with its version: plotly-4.1.1.min.js."""
    return f"plotly-{plotly_js()[0]}.min.js"


def static(name: str) -> bytes:
    """One of the dashboard's own assets (`web/static/`)."""
    return (resources.files("segmint.web") / "static" / name).read_bytes()


class Renderer:
    """Renders the templates of `segmint/web/templates/` for a reader's locale.

    `packages` are searched first (the report's own templates), then the dashboard's.
    """

    def __init__(self, *packages: str) -> None:
        loaders = [jinja2.PackageLoader(p, "templates") for p in (*packages, "segmint.web")]
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,  # a misspelt field fails the test, not the reader
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["figure"] = figure_json

    def page(self, template: str, *, locale: Locale | None = None, **values: Any) -> str:
        """`template` filled with `values` and the helpers of `locale` (or the visit's)."""
        visit = values.get("visit")
        locale = locale or (visit.locale if visit is not None else Locale())
        return self.env.get_template(template).render(**values, **helpers(locale))


def helpers(locale: Locale) -> dict[str, Any]:
    """What every template may call: texts and figures in the reader's language."""
    return {
        "lang": locale.lang,
        "t": functools.partial(_text, locale.lang),
        "money": lambda v: formats.money(v, locale),
        "count": lambda v: "" if v is None else formats.count(int(v)),
        "pct": formats.percent,
        "num": formats.decimal,
        "day": lambda v: formats.long_day(v, locale),
        "moment": lambda v: formats.moment(v, locale),
        "field": lambda name, v: formats.field_value(name, v, locale),
        "named": locale.name,  # a stored value's name: named("label.field", "clv_12m")
        "label": locale.label,  # label("family.tier")
        "spark": sparkline,
        "plotly_js": plotly_name(),
        "htmx_js": HTMX,
    }


def _text(lang: str, key: str, /, **params: object) -> str:
    return i18n.message(key, lang, **params)


def sparkline(values: list[int], label: str) -> Markup:
    """A small line of `values` as inline SVG (no script), its numbers in its label."""
    if len(values) < 2:
        return Markup("")
    top, width, height = max(max(values), 1), 80, 20
    points = " ".join(
        f"{i * width / (len(values) - 1):.1f},{height - 2 - v * (height - 4) / top:.1f}"
        for i, v in enumerate(values)
    )
    return Markup(  # noqa: S704 -- numbers we made, and the label escaped
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<polyline points="{points}" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        "</svg>"
    )


def figure_json(figure: dict[str, Any]) -> Markup:
    """A figure dict as JSON that is safe inside an HTML attribute or a script block."""
    text = json.dumps(figure, default=_plain, ensure_ascii=False, separators=(",", ":"))
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped.replace("'", "\\u0027"))  # noqa: S704 -- escaped just above


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")
