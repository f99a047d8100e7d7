"""virConnect, virNetwork and virSecret methods whose libvirt-python shape
is written by hand (each described in api-xml/host-extra.xml)."""

from __future__ import annotations

from . import _core  # noqa: F401


class ConnectionExtra:
    """Mixed into virConnect (libvirt/_objects.py)."""


class NetworkExtra:
    """Mixed into virNetwork."""


class SecretExtra:
    """Mixed into virSecret."""
