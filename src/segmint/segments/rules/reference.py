"""`docs/rules.md`: the rule language, generated from its tables so it cannot go stale."""

from __future__ import annotations

from segmint.core import i18n
from segmint.core.config import Settings
from segmint.segments.rules.tokens import CHINESE_KEYWORDS, MAX_DEPTH, MAX_RULE_LENGTH, MAX_TOKENS
from segmint.segments.rules.vocabulary import (
    FUNCTIONS,
    MAX_WINDOW_DAYS,
    SOURCES,
    WITHOUT,
    vocabulary,
)

EXAMPLES = (
    "orders_30d > 3 and discount_share_90d >= 0.5",
    "view_streak_days >= 7 and orders_7d = 0",
    "tier = 'A' and p_alive < 0.5",
    "r_score >= 4 and f_score >= 4 and not (city = '上海')",
    "revenue_365d between 1000 and 5000",
    "rfm8 = '重要价值客户' 且 近30天订单数 > 3",
    "count(orders, 30, channel = 'tmall') >= 2 and share(orders, 90, discounted) > 0.5",
    "streak(events, type = 'product_view', without = orders) >= 7",
    "absent(orders, 60) and in_segment('vip')",
    "last_order_at < as_of - 30",
)

_INTRO = f"""\
# Segment rules · 分群规则

Generated from `segmint.segments.rules` by `make docs`; a test keeps it current.

A rule is one condition on a customer's fields, written as text. It is parsed and
checked against the fields of the workspace (never run as SQL or Python), and reads as
a sentence in English and Chinese. Chinese names and punctuation typed on a Chinese
keyboard (（）＞＝，and ‘’ quotes) work as well as the English ones.

规则是一个针对客户字段的条件，以文本书写。规则会被解析并按工作区的字段检查（绝不会作为
SQL 或 Python 执行），并可以读作中英文句子。中文字段名和中文输入法的全角标点（（）＞＝，
以及‘’引号）与英文写法同样有效。

## Examples · 示例

```
{chr(10).join(EXAMPLES)}
```

## Operators and keywords · 运算符与关键字

Loosest first; keywords are case-blind, and field, function and source names are too.

| what | written | 中文 |
|---|---|---|
| either | `or` | `或` |
| both | `and` | `且` |
| negation | `not` | `非` |
| comparison | `= != <> < <= > >=` | |
| list | `x in ('a', 'b')`, `x not in (...)` | |
| range (ends included) | `x between 1 and 5`, `x not between ...` | |
| emptiness | `x is null`, `x is not null` | |
| arithmetic | `+ - * /` (a date plus or minus whole days is a date) | |
| values | `3`, `0.5`, `'text'` (`''` is a quote), `date '2024-03-01'`, `true`, `false`, `null` | |

A comparison with an empty value is false, and `not` turns false into true: `not (city =
'上海')` holds for a customer without a city. A division by zero is empty. A labelled field
(`tier`, `stage`, `rfm8`, `rfm11`, `gender`, `loyalty_level`) takes its stored key or its
name in either language: `rfm8 = '重要价值客户'` is `rfm8 = 'important_value'`.

空值参与的比较结果为假，`not` 把假变为真。除以零的结果为空。

Limits: at most {MAX_RULE_LENGTH:,} characters, {MAX_TOKENS} words and symbols, and
parentheses {MAX_DEPTH} deep; control characters, direction marks and other invisible
characters are refused. Longer logic goes in segments joined with `in_segment('name')`.
"""


def markdown() -> str:
    """`docs/rules.md`: the language, its functions and sources, and every field."""
    return "\n".join([_INTRO, *_functions(), *_sources(), *_fields()]) + "\n"


def _functions() -> list[str]:
    lines = [
        "## Functions · 函数",
        "",
        f"Days are a whole number from 1 to {MAX_WINDOW_DAYS:,}, counted back from as_of "
        "(inclusive). Filters are `name = 'text'`, `name in ('a', 'b')` or a yes/no flag's "
        f"name; `streak` takes `{WITHOUT[0]} = source` (中文 `{WITHOUT[1]}`).",
        "",
        "| function | 中文 | returns | reads | example |",
        "|---|---|---|---|---|",
    ]
    for f in FUNCTIONS.values():
        example = i18n.message(f"rules.usage.{f.name}", "en").rsplit("such as ", 1)[-1]
        reads = ", ".join(f.sources) or "segments"
        lines.append(
            f"| `{f.name}` | `{'`, `'.join(f.aliases)}` | {f.type} | {reads} | `{example}` |"
        )
    return [*lines, ""]


def _sources() -> list[str]:
    lines = ["## Sources and filters · 数据源与筛选条件", ""]
    lines += ["| source | 中文 | filter | 中文 | type | values |", "|---|---|---|---|---|---|"]
    for s in SOURCES.values():
        chinese = {canonical: alias for alias, canonical in s.filter_aliases.items()}
        for name, kind in s.filters.items():
            values = ", ".join(f"`{v}`" for v in s.values.get(name, ()))
            row = (
                f"| `{s.name}` | `{'`, `'.join(s.aliases)}` | `{name}` | `{chinese.get(name, '')}`"
            )
            lines.append(f"{row} | {'flag' if kind == 'bool' else kind} | {values} |")
    return [*lines, ""]


def _fields() -> list[str]:
    lines = [
        "## Fields · 字段",
        "",
        "Chinese keywords 且 或 非 (" + ", ".join(CHINESE_KEYWORDS.values()) + ") split names "
        "wherever they stand, so no field's Chinese name contains them.",
        "",
        "| field | 中文 | type | values |",
        "|---|---|---|---|",
    ]
    for f in vocabulary(Settings()).fields:
        keys = ", ".join(f"`{k}`" for k in dict.fromkeys(f.values.values()))
        lines.append(f"| `{f.name}` | {' '.join(f.aliases)} | {f.type} | {keys} |")
    return [*lines]
