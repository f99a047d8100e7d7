"""libvirt's LXC-specific API (libvirt-lxc), as libvirt-python's libvirt_lxc
module: its functions and constants are generated with the rest of the
binding."""

from libvirt._generated_lxc import *  # noqa: F401,F403
