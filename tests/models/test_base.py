"""The estimator contract: introspected parameters, one validation message, not-fitted errors."""

from __future__ import annotations

from typing import ClassVar

import pytest

from segmint.core.errors import InputError, NotFittedError
from segmint.models.base import Constraint, Estimator, check_fitted


class Toy(Estimator):
    _constraints: ClassVar[dict[str, Constraint]] = {
        "penalizer": (float, 0.0, None),
        "n_starts": (int, 1, 10),
    }

    def __init__(self, *, penalizer: float = 0.0, n_starts: int = 1) -> None:
        self.penalizer = penalizer
        self.n_starts = n_starts


def test_get_params_reads_the_constructor():
    assert Toy(penalizer=0.5).get_params() == {"n_starts": 1, "penalizer": 0.5}


def test_set_params_sets_and_returns_the_estimator():
    toy = Toy()
    assert toy.set_params(n_starts=3) is toy
    assert toy.n_starts == 3


def test_set_params_suggests_the_nearest_name():
    with pytest.raises(InputError, match="'penaliser' is not a parameter of Toy") as caught:
        Toy().set_params(penaliser=1.0)
    assert caught.value.hint == "Did you mean 'penalizer'?"


def test_repr_shows_changed_parameters_only():
    assert repr(Toy()) == "Toy()"
    assert repr(Toy(penalizer=0.1)) == "Toy(penalizer=0.1)"


FLOAT = "The 'penalizer' parameter of Toy must be of type float in the range [0.0, inf). Got"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"penalizer": -1},
            FLOAT + " -1 instead.",
        ),
        (
            {"penalizer": float("nan")},
            FLOAT + " nan instead.",
        ),
        (
            {"penalizer": True},
            FLOAT + " True instead.",
        ),
        (
            {"n_starts": 0},
            "The 'n_starts' parameter of Toy must be of type int in the range [1, 10]. "
            "Got 0 instead.",
        ),
        (
            {"n_starts": 2.0},
            "The 'n_starts' parameter of Toy must be of type int in the range [1, 10]. "
            "Got 2.0 instead.",
        ),
    ],
)
def test_invalid_parameters_get_one_message_shape(params, message):
    with pytest.raises(InputError) as caught:
        Toy(**params)._validate_params()
    assert caught.value.message == message


def test_valid_parameters_pass():
    Toy(penalizer=2, n_starts=10)._validate_params()


def test_varargs_constructors_are_refused():
    class Loose(Estimator):
        def __init__(self, *args: object) -> None:
            self.args = args

    with pytest.raises(TypeError, match="may not take"):
        Loose().get_params()


def test_check_fitted_says_to_call_fit():
    toy = Toy()
    with pytest.raises(NotFittedError, match="This Toy is not fitted yet; call fit"):
        check_fitted(toy, "params_")
    toy.params_ = 1
    check_fitted(toy, "params_")
