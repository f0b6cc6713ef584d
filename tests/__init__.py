"""Tests of the template: they bake it and check what comes out."""
