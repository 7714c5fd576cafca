"""Customer lifetime value: the buy-till-you-die models and the summary they are fitted on.

The public face of `segmint.models.clv`.
"""

from segmint.models.clv.beta_geo import BetaGeo as BetaGeo
from segmint.models.clv.summary import summarize as summarize

__all__ = ["BetaGeo", "summarize"]
