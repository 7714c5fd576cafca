"""Customer-base models: who is still active, how much each will buy."""

from segmint.models.clv.beta_geo import BetaGeo as BetaGeo
from segmint.models.clv.beta_geo_beta import BetaGeoBeta as BetaGeoBeta
from segmint.models.clv.gamma_gamma import GammaGamma as GammaGamma
from segmint.models.clv.modified_beta_geo import ModifiedBetaGeo as ModifiedBetaGeo
from segmint.models.clv.pareto_nbd import ParetoNBD as ParetoNBD
from segmint.models.clv.shifted_beta_geo import ShiftedBetaGeo as ShiftedBetaGeo
from segmint.models.clv.summary import summarize as summarize
from segmint.models.clv.validation import validate as validate
from segmint.models.clv.value import lifetime_value as lifetime_value
from segmint.models.clv.value import lifetime_value_intervals as lifetime_value_intervals

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
