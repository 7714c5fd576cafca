"""The errors segmint raises on purpose, each with a stable code, a hint and a location.

::

    SegmintError
    ├── InputError (ValueError)          bad user input: a file, a row, a payload, a parameter
    │   ├── SchemaError                  a required column is missing or cannot be mapped
    │   ├── ConfigError                  segmint.toml is not valid
    │   ├── RuleError                    rule text that does not parse or check
    │   └── ImportRejectedError          --strict import with bad rows: nothing was written
    ├── NotFoundError (LookupError)      an unknown customer, workspace, segment or file
    ├── NotFittedError (ValueError, AttributeError)
    ├── ConvergenceError (ArithmeticError)
    ├── EngineError (RuntimeError)       DuckDB or Spark failed; raised only by segmint.store
    │   └── WorkspaceBusyError           another process holds the workspace for writing
    ├── AccessDeniedError                the caller's role may not do this
    └── ConflictError                    work under way stands in the way (a run already running)

Bulk input collects `Problem` objects and raises once; `summarize_problems` prints the
first ten and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from segmint.core import i18n


@runtime_checkable
class Localized(Protocol):
    """A parameter written in the reader's language (a list of problems, a platform's name)."""

    def render(self, lang: str) -> str:
        """The text in `lang`."""
        ...


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is, in the user's terms."""

    file: str | None = None  # as the user named it
    line: int | None = None  # 1-based line of a text file such as segmint.toml
    row: int | None = None  # 1-based, header = row 1, as a spreadsheet shows it
    index: int | None = None  # 0-based position in an array passed to the library
    field: str | None = None  # canonical column or JSON field
    position: int | None = None  # 0-based offset into rule text

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str) -> str:
        """'orders.csv, row 3, field 'amount'' in `lang`; empty when nothing is set."""
        parts = [self.file] if self.file is not None else []
        # a position is for editors (JSON); the message of a rule error says line:column
        for name in ("line", "row", "index", "field"):
            value = getattr(self, name)
            if value is not None:
                parts.append(i18n.message(f"location.{name}", lang, value=value))
        return i18n.message("location.separator", lang).join(parts)

    def as_dict(self) -> dict[str, object]:
        """The set fields only, for JSON output."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def located(location: Location | None, text: str, lang: str) -> str:
    """'orders.csv, row 3: text' in `lang`; the text alone when there is no location."""
    where = location.render(lang) if location is not None else ""
    return where + i18n.message("location.then", lang) + text if where else text


class SegmintError(Exception):
    """Base of every error segmint raises on purpose.

    Raised with a catalogue code and the values its text needs::

        raise ConfigError("config.bad_value", location=Location(file="segmint.toml"), ...)

    The message and hint are the code's entry in `segmint/core/text/`, filled from the
    parameters, in English for `str()` and in the user's language through `render`.
    """

    def __init__(self, code: str, /, *, location: Location | None = None, **params: object) -> None:
        self.code = code  # a key of the catalogue; tests/core/test_error_codes.py checks each
        self.location = location
        self.params: dict[str, Any] = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The message in English."""
        return self.render("en")[0]

    @property
    def hint(self) -> str | None:
        """The hint in English, if there is one."""
        return self.render("en")[1]

    @property
    def exit_status(self) -> int:
        """2 for a usage mistake (a flag, an argument), 1 for bad input or data."""
        return i18n.exit_status(self.code)

    def render(self, lang: str) -> tuple[str, str | None]:
        """The message and the hint in `lang`."""
        params = {
            k: v.render(lang) if isinstance(v, Localized) else v for k, v in self.params.items()
        }
        return i18n.render(self.code, lang, **params)

    def __str__(self) -> str:
        return located(self.location, self.message, "en")

    def as_dict(self, lang: str = "en") -> dict[str, object]:
        """One JSON shape for every error (CLI --json and the API)."""
        message, hint = self.render(lang)
        return {
            "ok": False,
            "code": self.code,
            "message": message,
            "hint": hint,
            "location": self.location.as_dict() if self.location else None,
        }


class InputError(SegmintError, ValueError):
    """Bad user input: a file, a row, an API payload or a parameter."""


class SchemaError(InputError):
    """A required column is missing or a column cannot be mapped."""


class ConfigError(InputError):
    """The workspace's segmint.toml is not valid.

    A file with several problems raises once: the first problem is the error (its code,
    message and hint), the others ride along in `also` and are listed after its message.
    """

    also: tuple[ConfigError, ...] = ()  # the other problems of the file, after this one

    @classmethod
    def collected(cls, errors: Sequence[ConfigError]) -> ConfigError:
        """One error for all of `errors` (at least one): the first, with the rest in `also`."""
        first = errors[0]
        error = cls(first.code, location=first.location, **dict(first.params))
        error.also = tuple(errors[1:])
        return error

    def render(self, lang: str) -> tuple[str, str | None]:
        """The first problem's message and hint, then one line for each other problem."""
        text, hint = super().render(lang)
        lines = [text]
        for other in self.also[:_SHOWN]:
            lines.append("- " + located(other.location, other.render(lang)[0], lang))
        if len(self.also) > _SHOWN:
            lines.append(i18n.message("location.more", lang, count=len(self.also) - _SHOWN))
        return "\n".join(lines), hint

    def as_dict(self, lang: str = "en") -> dict[str, object]:
        """The one JSON shape, with every problem also listed on its own under `problems`."""
        problems = [self, *self.also]
        return super().as_dict(lang) | {
            "problems": [
                {
                    "code": p.code,
                    "message": SegmintError.render(p, lang)[0],
                    "location": p.location.as_dict() if p.location else None,
                }
                for p in problems
            ]
        }


_SHOWN = 9  # problems listed after the first, as summarize_problems shows ten in all


class RuleError(InputError):
    """Rule text that does not parse or check; `location.position` is set."""


class ImportRejectedError(InputError):
    """A strict import found bad rows, so it wrote nothing."""


class NotFoundError(SegmintError, LookupError):
    """An unknown customer, workspace, segment, snapshot or file."""


class NotFittedError(SegmintError, ValueError, AttributeError):
    """A prediction was asked of a model before `fit`."""


class ConvergenceError(SegmintError, ArithmeticError):
    """The optimizer stopped without a maximum; the hint says what to try."""


class EngineError(SegmintError, RuntimeError):
    """DuckDB or Spark failed; raised only by `segmint.store`, chained to the cause."""


class WorkspaceBusyError(EngineError):
    """Another process holds the workspace database for writing."""


class AccessDeniedError(SegmintError):
    """The caller's role may not do this or see these fields."""


class ConflictError(SegmintError):
    """Work under way stands in the way of the request (a run is already running)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in bulk input; many are collected before anything is raised."""

    code: str
    message: str
    location: Location
    params: dict[str, object] = field(default_factory=dict, hash=False)  # for translation

    def __str__(self) -> str:
        return located(self.location, self.message, "en")


def summarize_problems(problems: Sequence[Problem], *, limit: int = 10, lang: str = "en") -> str:
    """The first `limit` problems in `lang`, one a line, then '... and N more'."""
    lines = [
        located(p.location, i18n.message(p.code, lang, **p.params), lang) for p in problems[:limit]
    ]
    if len(problems) > limit:
        lines.append(i18n.message("location.more", lang, count=len(problems) - limit))
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ProblemList:
    """Problems carried by an error as one parameter, listed in the reader's language."""

    problems: tuple[Problem, ...]

    def render(self, lang: str) -> str:
        """The first ten problems in `lang`, then how many more there are."""
        return summarize_problems(self.problems, lang=lang)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A catalogue text carried by an error as one parameter, in the reader's language."""

    key: str
    params: tuple[tuple[str, object], ...] = ()

    def render(self, lang: str) -> str:
        """The text of `key` in `lang`."""
        return i18n.message(self.key, lang, **dict(self.params))


def markdown() -> str:
    """`docs/errors.md`: every error code with its exit status and meaning in both languages."""
    lines = [
        "# Errors and exit codes · 错误与退出码",
        "",
        "Generated from the catalogue (`segmint/core/text/`) by `make docs`; do not edit.",
        "",
        "Every error names a stable code. The command line prints the message and a hint "
        "(no traceback unless `--debug`) and exits with **1** for bad input or data and "
        "**2** for a usage mistake (a flag or argument that cannot be used as given); "
        "`--json` prints `{ok, code, message, hint, location}`. Rows that an import "
        "quarantines carry the same codes in `quarantine/`.",
        "",
        "每个错误都有固定的代码。命令行输出说明和提示（加 `--debug` 才显示调用栈），"
        "输入或数据有误时退出码为 **1**，用法有误（参数或选项无法按所给的方式使用）时为 **2**；"
        "`--json` 输出 `{ok, code, message, hint, location}`。导入时被隔离的行在 "
        "`quarantine/` 中带有相同的代码。",
        "",
        "| code | exit | meaning | 含义 |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{e.key}` | {e.exit} | {e.about_en} | {e.about_zh} |" for e in i18n.codes()]
    return "\n".join(lines) + "\n"
