"""Catalogue stage: the bureau's catalogue (source/) read with positions, validated, checked and queried.

yamlsource (YAML with node positions) -> schema (the pydantic models) -> check (load_catalogue: every
error at once, cross-checks, warnings, notes); phones (what a phone number is), exporting (the JSON
contract), search (`guidebook list`).
"""

from guidebook.catalogue.check import (
    GUIDE_FILE, ITEMS_DIR, PROHIBITED_FILE, TOLERATED_FILE, WINDOWS_FILE, Catalogue, load_catalogue,
)

__all__ = ["Catalogue", "load_catalogue", "GUIDE_FILE", "ITEMS_DIR", "PROHIBITED_FILE", "TOLERATED_FILE",
           "WINDOWS_FILE"]
