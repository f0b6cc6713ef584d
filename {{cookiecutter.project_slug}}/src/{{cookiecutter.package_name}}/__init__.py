"""{{ cookiecutter.project_slug }}: a machine-learning service."""

from importlib.metadata import version
from typing import Final

PROJECT_NAME: Final = {{ cookiecutter.project_name | py_str }}
__version__: Final = version("{{ cookiecutter.project_slug }}")
