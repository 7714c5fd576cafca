"""segmint: customer segmentation and customer-value management on CRM data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from segmint._version import __version__ as __version__
from segmint.core.errors import AccessDeniedError as AccessDeniedError
from segmint.core.errors import ConfigError as ConfigError
from segmint.core.errors import ConvergenceError as ConvergenceError
from segmint.core.errors import EngineError as EngineError
from segmint.core.errors import ImportRejectedError as ImportRejectedError
from segmint.core.errors import InputError as InputError
from segmint.core.errors import NotFittedError as NotFittedError
from segmint.core.errors import NotFoundError as NotFoundError
from segmint.core.errors import RuleError as RuleError
from segmint.core.errors import SchemaError as SchemaError
from segmint.core.errors import SegmintError as SegmintError
from segmint.core.errors import WorkspaceBusyError as WorkspaceBusyError

if TYPE_CHECKING:
    from segmint.workspace import Workspace

__all__ = [
    "AccessDeniedError",
    "ConfigError",
    "ConvergenceError",
    "EngineError",
    "ImportRejectedError",
    "InputError",
    "NotFittedError",
    "NotFoundError",
    "RuleError",
    "SchemaError",
    "SegmintError",
    "Workspace",
    "WorkspaceBusyError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # Workspace pulls in DuckDB and Arrow: load it on first use so `import segmint` stays fast.
    if name == "Workspace":
        from segmint.workspace import Workspace

        return Workspace
    raise AttributeError(f"module 'segmint' has no attribute '{name}'")
