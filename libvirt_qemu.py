"""libvirt's QEMU-specific API (libvirt-qemu), as libvirt-python's
libvirt_qemu module: its functions and constants are generated with the
rest of the binding; the event registration and the commands passing file
descriptors are written by hand (libvirt/_qemu_lxc.py)."""

from libvirt._generated_qemu import *  # noqa: F401,F403
from libvirt._qemu_lxc import (  # noqa: F401
    qemuMonitorCommandWithFiles, qemuMonitorEventDeregister,
    qemuMonitorEventRegister)
from libvirt import _objects

_objects.publish(globals(), __name__)     # where the functions are offered
del _objects


def __getattr__(name):
    """The enum classes of this module's enum types, made on first access
    (see libvirt/__init__.py)."""
    from libvirt._enums import get
    return get(__name__, name)
