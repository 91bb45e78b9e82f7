"""Nanum Kiosk core: domain, storage and services, with no Qt and no network."""

__version__ = "0.1.0"
