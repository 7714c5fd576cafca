"""Customer lifetime value: the buy-till-you-die models and the summary they are fitted on.

The public face of `segmint.models.clv`.
"""

from segmint.models.clv import BetaGeo as BetaGeo
from segmint.models.clv import BetaGeoBeta as BetaGeoBeta
from segmint.models.clv import GammaGamma as GammaGamma
from segmint.models.clv import ModifiedBetaGeo as ModifiedBetaGeo
from segmint.models.clv import ParetoNBD as ParetoNBD
from segmint.models.clv import ShiftedBetaGeo as ShiftedBetaGeo
from segmint.models.clv import lifetime_value as lifetime_value
from segmint.models.clv import lifetime_value_intervals as lifetime_value_intervals
from segmint.models.clv import summarize as summarize
from segmint.models.clv import validate as validate

__all__ = [
    "BetaGeo",
    "BetaGeoBeta",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "ShiftedBetaGeo",
    "lifetime_value",
    "lifetime_value_intervals",
    "summarize",
    "validate",
]
