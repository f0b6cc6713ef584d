"""The project's own errors; each message says what went wrong and what to do about it.

Kept apart from the modules that raise them so the CLI can catch them without importing
pandas or MLflow.
"""


class DataError(Exception):
    """Data that cannot be used: the message says where, which rule, and what to do."""


class RegistryError(Exception):
    """The registry cannot do what was asked; the message says what to do instead."""


class NoChampionError(RegistryError):
    """No version of the model holds the champion alias yet."""


class ConfigurationError(Exception):
    """The settings ask for something this installation cannot do (a missing extra)."""
