"""Editions stage: archiving a year's catalogue and what changed between two editions."""
