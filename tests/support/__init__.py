"""Helpers shared by the test folders (not fixtures: those live in conftest.py files)."""
