"""libvirt-python's low-level module: libvirt's functions under their C names,
taking and returning raw handles (an object's `_o`), returning None or -1
on failure instead of raising. Generated (libvirt/_libvirtmod.py)."""

import sys

# The same module object as libvirt.libvirtmod, as in libvirt-python: patching one
# patches the other.
from libvirt import _libvirtmod as _module

sys.modules[__name__] = _module
