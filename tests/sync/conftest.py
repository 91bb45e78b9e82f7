"""Fixtures for the sync tests (defined in platform_fixtures.py, shared with tests/security)."""

from platform_fixtures import any_platform, pg, platform  # noqa: F401
