"""libvirt-python's low-level module, as far as programs and libvirt-python's
own test helpers use it directly. Only virEventRegisterImpl so far: the full
set of C-named functions is still to come."""

from libvirt._eventloop import virEventRegisterImpl  # noqa: F401
