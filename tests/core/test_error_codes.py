"""Every error segmint raises names a catalogue code, and every code is raised somewhere."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import segmint
from segmint.core import errors, i18n

SOURCE = Path(segmint.__file__).parent
ERROR_CLASSES = {
    name
    for name, obj in vars(errors).items()
    if inspect.isclass(obj) and issubclass(obj, errors.SegmintError)
}


def _calls() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in ERROR_CLASSES:
                    found.append((str(path.relative_to(SOURCE)), node.lineno, node))
    return found


def _coded(call: ast.Call, codes: set[str]) -> bool:
    """A catalogue code as the first argument (or a name that carries one), no English."""
    if not call.args or any(k.arg in ("code", "hint") for k in call.keywords):
        return False
    return _names_code(call.args[0], codes)


def _names_code(node: ast.expr, codes: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in codes
    if isinstance(node, ast.IfExp):  # one of two codes
        return _names_code(node.body, codes) and _names_code(node.orelse, codes)
    return isinstance(node, ast.Name | ast.Attribute | ast.Subscript)


def test_every_error_is_raised_with_a_catalogue_code():
    codes = {e.key for e in i18n.codes()}
    wrong = sorted({f"{path}:{line}" for path, line, call in _calls() if not _coded(call, codes)})
    assert not wrong, f"errors raised without a catalogue code: {wrong}"


def test_every_code_in_the_catalogue_is_used_in_the_source():
    text = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE.rglob("*.py"))
    unused = [e.key for e in i18n.codes() if f'"{e.key}"' not in text]
    assert not unused, f"catalogue codes no code raises: {unused}"
