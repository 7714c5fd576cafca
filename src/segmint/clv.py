"""Customer lifetime value: the buy-till-you-die models and the summary they are fitted on.

The public face of `segmint.models.clv`.
"""

from segmint.models.clv import BetaGeo as BetaGeo
from segmint.models.clv import lifetime_value as lifetime_value
from segmint.models.clv import summarize as summarize
from segmint.models.clv import validate as validate

__all__ = ["BetaGeo", "lifetime_value", "summarize", "validate"]
