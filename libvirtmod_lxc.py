"""libvirt-python's low-level module of libvirt-lxc (libvirt_lxc calls it):
the functions under their C names, on raw handles. Generated
(libvirt/_libvirtmod_lxc.py)."""

import sys

# The same module object as libvirt._libvirtmod_lxc, as in libvirt-python: patching one
# patches the other.
from libvirt import _libvirtmod_lxc as _module

sys.modules[__name__] = _module
