"""Entry point for `python -m guidebook`."""

from guidebook.cli import run

run()
