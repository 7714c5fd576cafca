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
    └── AccessDeniedError                the caller's role may not do this

Bulk input collects `Problem` objects and raises once; `summarize_problems` prints the
first ten and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is, in the user's terms."""

    file: str | None = None  # as the user named it
    row: int | None = None  # 1-based, header = row 1, as a spreadsheet shows it
    index: int | None = None  # 0-based position in an array passed to the library
    field: str | None = None  # canonical column or JSON field
    position: int | None = None  # 0-based offset into rule text

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.index is not None:
            parts.append(f"index {self.index}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        if self.position is not None:
            parts.append(f"position {self.position}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        """The set fields only, for JSON output."""
        return {k: v for k, v in asdict(self).items() if v is not None}


class SegmintError(Exception):
    """Base of every error segmint raises on purpose."""

    code: str = "segmint.error"  # stable, dotted; subclasses and raisers narrow it

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        location: Location | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location
        if code is not None:
            self.code = code  # a more specific code than the class default

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return where + self.message

    def as_dict(self) -> dict[str, object]:
        """One JSON shape for every error (CLI --json and the API)."""
        return {
            "ok": False,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "location": self.location.as_dict() if self.location else None,
        }


class InputError(SegmintError, ValueError):
    """Bad user input: a file, a row, an API payload or a parameter."""

    code = "input.invalid"


class SchemaError(InputError):
    """A required column is missing or a column cannot be mapped."""

    code = "ingest.missing_column"


class ConfigError(InputError):
    """The workspace's segmint.toml is not valid."""

    code = "config.invalid"


class RuleError(InputError):
    """Rule text that does not parse or check; `location.position` is set."""

    code = "rules.invalid"


class ImportRejectedError(InputError):
    """A strict import found bad rows, so it wrote nothing."""

    code = "ingest.rejected"


class NotFoundError(SegmintError, LookupError):
    """An unknown customer, workspace, segment, snapshot or file."""

    code = "not_found"


class NotFittedError(SegmintError, ValueError, AttributeError):
    """A prediction was asked of a model before `fit`."""

    code = "models.not_fitted"


class ConvergenceError(SegmintError, ArithmeticError):
    """The optimizer stopped without a maximum; the hint says what to try."""

    code = "models.no_convergence"


class EngineError(SegmintError, RuntimeError):
    """DuckDB or Spark failed; raised only by `segmint.store`, chained to the cause."""

    code = "store.engine"


class WorkspaceBusyError(EngineError):
    """Another process holds the workspace database for writing."""

    code = "store.busy"


class AccessDeniedError(SegmintError):
    """The caller's role may not do this or see these fields."""

    code = "access.denied"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in bulk input; many are collected before anything is raised."""

    code: str
    message: str
    location: Location
    params: dict[str, object] = field(default_factory=dict, hash=False)  # for translation

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if str(self.location) else self.message


def summarize_problems(problems: Sequence[Problem], *, limit: int = 10) -> str:
    """The first `limit` problems, one a line, then '... and N more'."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more")
    return "\n".join(lines)
