"""seed_everything makes Python's and NumPy's randomness repeat."""

import random

import numpy as np

from {{ cookiecutter.package_name }}.seed import seed_everything


def test_same_seed_repeats_python_and_numpy() -> None:
    assert seed_everything(5) == 5
    first = (random.random(), np.random.rand())
    seed_everything(5)
    second = (random.random(), np.random.rand())
    seed_everything(6)
    third = (random.random(), np.random.rand())

    assert first == second
    assert first != third
