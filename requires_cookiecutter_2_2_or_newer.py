"""The name cookiecutter.json loads the template's Jinja extension by.

Cookiecutter 1.x cannot import a template's own modules, and its only words when that
fails are ``Unable to load extension: No module named '<name>'``: this name makes that
line say what the bake needs. From 2.2 on it simply re-exports the extension.
"""

from local_extensions import LiteralsExtension

__all__ = ["LiteralsExtension"]
