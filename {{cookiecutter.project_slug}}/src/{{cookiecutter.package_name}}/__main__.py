"""Allow ``python -m {{ cookiecutter.package_name }}`` as well as the console script."""

from .cli import app

app(prog_name="{{ cookiecutter.project_slug }}")
