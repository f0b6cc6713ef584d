"""One call seeds every source of randomness the project may use."""

import importlib
import importlib.util
import logging
import random

import numpy as np

logger = logging.getLogger(__name__)


def seed_everything(seed: int) -> int:
    """Seed Python, NumPy and, when installed, torch and tensorflow; return the seed.

    Estimators get the seed as ``random_state`` too (see model.py): scikit-learn does not
    read the global NumPy state when it is given one.
    """
    random.seed(seed)
    np.random.seed(seed)
    if importlib.util.find_spec("torch") is not None:
        importlib.import_module("torch").manual_seed(seed)
    if importlib.util.find_spec("tensorflow") is not None:
        importlib.import_module("tensorflow").random.set_seed(seed)
    logger.info("seed %d", seed)
    return seed
