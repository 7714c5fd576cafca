"""Customer-base models: who is still active, how much each will buy."""

from segmint.models.clv.beta_geo import BetaGeo as BetaGeo
from segmint.models.clv.summary import summarize as summarize

__all__ = ["BetaGeo", "summarize"]
