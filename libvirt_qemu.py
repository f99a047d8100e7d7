"""libvirt's QEMU-specific API (libvirt-qemu), as libvirt-python's
libvirt_qemu module: its functions and constants are generated with the
rest of the binding."""

from libvirt._generated_qemu import *  # noqa: F401,F403
