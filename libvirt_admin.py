"""libvirt's daemon administration API (libvirt-admin), which libvirt-python
does not offer, in the style of the libvirt module: open() a connection to
a daemon's admin socket, list and tune its servers (thread pools, client
limits), list, inspect and disconnect their clients, change the daemon's
logging. Generated from libvirt-admin-api.xml with the rest of the binding;
open() and the close callback are written by hand (libvirt/_admin.py).
Failures raise libvirt.libvirtError, with libvirt's error code.

Use it in a process of its own, one that opens no libvirt connection:
libvirt-admin.so and libvirt.so register the same object types, and the one
that comes second crashes the process (libvirt 9.0). open() refuses, with
libvirtError, after a libvirt connection; a libvirt connection after an
admin connection is not caught.

    import libvirt_admin
    with libvirt_admin.open("libvirtd:///system") as conn:
        for srv in conn.listServers():
            print(srv.name(), srv.threadPoolParameters())
"""

from libvirt import libvirtError  # noqa: F401
from libvirt._generated_admin import *  # noqa: F401,F403
from libvirt._admin import open  # noqa: F401,A004
from libvirt import _objects

_objects.publish(globals(), __name__)     # where the functions are offered
del _objects


def __getattr__(name):
    """The enum classes of this module's enum types, made on first access
    (see libvirt/__init__.py)."""
    from libvirt._enums import get
    return get(__name__, name)
