"""Errors the command line reports in one line; kept light so `carerline --help` need not load the settings."""

from __future__ import annotations


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message names the variable."""
