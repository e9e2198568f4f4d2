"""Fixtures for the web side live in tests/conftest.py (clock, staff_web): reports and bot tests use them too."""
