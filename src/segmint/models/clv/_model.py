"""What every fitted customer-base model shares: its estimates, their uncertainty, a table.

A model module supplies its parameter NamedTuple and its likelihood; `FittedModel` turns
the optimum found by `_fit.maximize_likelihood` into ``params_``, ``standard_errors_``,
``confidence_intervals`` and ``summary_``, the same way for every model.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtri  # type: ignore[import-untyped]

from segmint.core.errors import InputError, Location
from segmint.models.base import Constraint, Estimator, check_fitted
from segmint.models.clv._fit import Fit

Array = npt.NDArray[np.float64]


class FittedModel(Estimator):
    """Base of the customer-base models fitted by maximum likelihood on the log scale.

    Subclasses set `_params` to their parameter NamedTuple (its fields are the public
    parameter names, in the order of the log-parameter vector theta) and call
    `_store_fit` at the end of `fit`.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the log-parameters, per customer: the optimizer minimises
        ``-LL/n + penalizer * sum(log(params)**2)``. Helps tiny or degenerate samples.
    """

    _params: ClassVar[type[Any]]
    _constraints: ClassVar[dict[str, Constraint]] = {"penalizer": (float, 0.0, None)}

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def _store_fit(self, fit: Fit, *, n_customers: float) -> None:
        """Set the fitted attributes from the optimum `fit`.

        Standard errors come from the observed information on the log scale and are
        carried to the natural scale by the delta method, ``se(p) = p * se(log p)``.
        """
        estimate = np.exp(fit.theta)
        log_se = np.sqrt(np.clip(np.diag(fit.covariance), 0.0, None))
        self.params_ = self._params(*(float(v) for v in estimate))
        self.standard_errors_ = self._params(*(float(v) for v in estimate * log_se))
        self.covariance_ = fit.covariance
        self.log_likelihood_ = fit.log_likelihood
        self.n_customers_ = round(n_customers)
        self.n_iterations_ = fit.n_iterations
        self.converged_ = True

    def confidence_intervals(self, level: float = 0.95) -> tuple[Any, Any]:
        """Lower and upper Wald limits at `level`, built on the log scale.

        ``exp(log p ± z se(log p))``: always positive and asymmetric, as the likelihood
        of a positive parameter is.

        Raises
        ------
        InputError
            If `level` is not strictly between 0 and 1.
        """
        check_fitted(self, "params_")
        if not isinstance(level, float | int) or not 0.0 < level < 1.0:
            raise InputError("models.bad_level", location=Location(field="level"), got=repr(level))
        z = float(ndtri(0.5 + level / 2.0))
        log_se = np.sqrt(np.clip(np.diag(self.covariance_), 0.0, None))
        estimate = np.array(self.params_)
        lower = self._params(*(float(v) for v in estimate * np.exp(-z * log_se)))
        upper = self._params(*(float(v) for v in estimate * np.exp(z * log_se)))
        return lower, upper

    @property
    def summary_(self) -> pd.DataFrame:
        """Estimates, standard errors and 95 % intervals, one row per parameter."""
        check_fitted(self, "params_")
        lower, upper = self.confidence_intervals(0.95)
        return pd.DataFrame(
            {
                "estimate": self.params_,
                "standard_error": self.standard_errors_,
                "lower_95": lower,
                "upper_95": upper,
            },
            index=pd.Index(self._params._fields, name="parameter"),
        )
