"""virDomain methods whose libvirt-python shape is written by hand (each
described in api-xml/domain-extra.xml)."""

from __future__ import annotations

from . import _core  # noqa: F401


class DomainExtra:
    """Mixed into virDomain (libvirt/_objects.py)."""
