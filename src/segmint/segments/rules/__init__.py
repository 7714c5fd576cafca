"""The rule language: parse -> check -> compile -> describe; no user text reaches SQL or Python."""

from segmint.segments.rules.check import check, read
from segmint.segments.rules.describe import describe
from segmint.segments.rules.explain import Clause, Explanation, explain
from segmint.segments.rules.parse import parse
from segmint.segments.rules.render import render

__all__ = ["Clause", "Explanation", "check", "describe", "explain", "parse", "read", "render"]
