"""Test helpers: servers we start for real, factories, waiting on conditions."""
