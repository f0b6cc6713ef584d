"""{{ cookiecutter.project_slug }}: a machine-learning service."""

from importlib.metadata import version

# A plain assignment: black leaves a long string here as it is, whatever its length.
PROJECT_NAME = {{ cookiecutter.project_name | py_str }}
TEMPLATE_VERSION = "{{ cookiecutter._template_version }}"
__version__ = version("{{ cookiecutter.project_slug }}")
