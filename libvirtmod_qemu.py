"""libvirt-python's low-level module of libvirt-qemu (libvirt_qemu calls it):
the functions under their C names, on raw handles. Generated
(libvirt/_libvirtmod_qemu.py)."""

import sys

# The same module object as libvirt._libvirtmod_qemu, as in libvirt-python: patching one
# patches the other.
from libvirt import _libvirtmod_qemu as _module

sys.modules[__name__] = _module
