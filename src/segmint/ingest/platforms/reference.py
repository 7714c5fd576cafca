"""`docs/platforms.md`: every platform preset, written from the presets themselves."""

from __future__ import annotations

from segmint.ingest.mapping import fold
from segmint.ingest.platforms import Preset, Source, presets


def markdown() -> str:
    """The page: for each platform, where its export is made, what is read, statuses, sources."""
    lines = [
        "# Platform exports · 平台导出文件",
        "",
        "Generated from the presets in `segmint/ingest/platforms/` (`make docs`); do not edit.",
        "A file is read with a preset when it holds at least half of the preset's signature",
        "headers; `--preset NAME` names one, `--preset none` reads the file by its headers.",
        "Headers match ignoring spaces, case, full-width characters and brackets.",
        "",
        "文件包含某个预设至少一半的特征列名时即按该预设读取；`--preset NAME` 指定预设，"
        "`--preset none` 按列名读取。列名匹配时忽略空格、大小写、全角字符和括号。",
    ]
    for preset in presets().values():
        lines += _section(preset)
    return "\n".join(lines) + "\n"


def _section(preset: Preset) -> list[str]:
    rows = "one row per order" if preset.rows == "orders" else "one row per line item"
    optional = [h for h in preset.needed() if fold(h) in preset.optional]
    lines = [
        "",
        f"## {preset.title.en} · {preset.title.zh}",
        "",
        f"`--preset {preset.name}` · fills {', '.join(p.kind for p in preset.parts)} · {rows}",
        "",
        f"- **Where / 导出位置**: {preset.menu.en}",
        f"  {preset.menu.zh}",
        f"- **Signature / 特征列**: {', '.join(preset.signature)}",
    ]
    if optional:
        lines.append(f"- **May be missing / 可缺少**: {', '.join(optional)}")
    if preset.blanks:
        lines.append(f"- **Empty cells / 空值写法**: {', '.join(preset.blanks)}")
    lines += ["", "| column | read from |", "|---|---|"]
    for part in preset.parts:
        for column, source in part.columns.items():
            lines.append(f"| `{part.kind}.{column}` | {_source(source)} |")
    if preset.cancelled_when:
        lines.append(f"| `orders.status` | cancelled when {preset.cancelled_when} is filled |")
    if preset.statuses:
        lines += ["", "| platform status | segmint status |", "|---|---|"]
        lines += [f"| {word} | `{status}` |" for word, status in preset.statuses.items()]
    lines += ["", preset.notes.en, "", preset.notes.zh, "", "Sources / 资料来源:", ""]
    lines += [f"- {source}" for source in preset.sources]
    return lines


def _source(source: Source) -> str:
    text = " else ".join(source.headers)
    if source.pattern is not None:
        text += f" (the part `{source.pattern}` matches)"
    if source.minus is not None:
        text += f" less {source.minus} (empty when nothing was paid)"
    if source.ignore:
        text += f"; {', '.join(source.ignore)} count as empty"
    return text
