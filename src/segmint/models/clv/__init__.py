"""Customer-base models: who is still active, how much each will buy."""

from segmint.models.clv.beta_geo import BetaGeo as BetaGeo
from segmint.models.clv.summary import summarize as summarize
from segmint.models.clv.validation import validate as validate
from segmint.models.clv.value import lifetime_value as lifetime_value

__all__ = ["BetaGeo", "lifetime_value", "summarize", "validate"]
