"""Allow ``python -m {{ cookiecutter.package_name }}`` as well as the console script."""

from .cli import app

# Guarded: worker processes started by spawning (Dask's) import this module again.
if __name__ == "__main__":
    app(prog_name="{{ cookiecutter.project_slug }}")
