"""{{ cookiecutter.project_slug }}: a machine-learning service."""

from importlib.metadata import version

# A plain assignment: black leaves a long string here as it is, whatever its length.
PROJECT_NAME = {{ cookiecutter.project_name | py_str }}
TEMPLATE_VERSION = "{{ cookiecutter._template_version }}"
DISTRIBUTION = "{{ cookiecutter.project_slug }}"  # as pip and uv name it
__version__ = version(DISTRIBUTION)


def install_extra(extra: str) -> str:
    """The command that installs one of the project's optional extras."""
    return f"'uv sync --extra {extra}' (or pip install '{DISTRIBUTION}[{extra}]')"
