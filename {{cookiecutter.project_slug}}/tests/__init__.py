"""Tests of the project, mirroring src/."""
