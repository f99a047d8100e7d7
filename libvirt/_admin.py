"""The hand-written parts of libvirt_admin (libvirt's daemon administration
API, libvirt-admin): open(), the base classes of the generated virAdmConnect
and virAdmClient, and the connection's close callback (each described in
api-xml/admin.xml). virAdmServer stands on _objects.ConnectionChild.

The admin library reports its errors through libvirt's own (libvirt-admin.so
calls libvirt.so's virerror functions), so a failing call raises the same
libvirtError, with libvirt's code, as the main module.

One process, one of the two: libvirt-admin.so carries its own copy of
libvirt's object types (libvirt 9.0 at least) and registers them with GLib
under the same names as libvirt.so does; the library that comes second
cannot register them, and its first object crashes the process. So a
process that has opened a libvirt connection cannot open an admin
connection (open() refuses it, with libvirtError), and one that has opened
an admin connection must not open a libvirt connection (not detected: that
is the main module's path)."""

from __future__ import annotations

import ctypes           # GLib's type registry (about 2 ms to import)
from operator import index as _index

from . import _callbacks, _core, _events, _functions, _objects

_ffi = _core.ffi

_virAdmConnectOpen = _functions.virAdmConnectOpen
_virAdmConnectRegisterCloseCallback = _functions.virAdmConnectRegisterCloseCallback
_virAdmConnectUnregisterCloseCallback = _functions.virAdmConnectUnregisterCloseCallback

_CLOSE_FUNC = "virAdmConnectCloseFunc"

# The GLib type name libvirt-admin.so registers for its connections.
_ADMIN_TYPE = b"virAdmConnect"
_types_checked = []     # [True] once the admin library may make its objects


def _glib_type_exists(name: bytes) -> bool:
    """Whether some library of this process registered the GLib type."""
    try:
        gobject = ctypes.CDLL("libgobject-2.0.so.0")
    except OSError:
        return False    # a libvirt without GObject types: nothing clashes
    lookup = gobject.g_type_from_name
    lookup.restype = ctypes.c_size_t
    lookup.argtypes = [ctypes.c_char_p]
    return lookup(name) != 0


def _refused(message: str) -> _core.libvirtError:
    error = _core.libvirtError.__new__(_core.libvirtError)
    Exception.__init__(error, message)
    error.err = None
    return error


def open(name=None, flags=0):  # noqa: A001 (libvirt.open's name)
    """Open a connection to the admin server of a daemon: name is its URI
    (libvirtd:///system, virtqemud:///session, ...?socket=PATH; None: the
    default one), flags a bitwise-OR of virConnectFlags.

    Refused (libvirtError) in a process whose libvirt library has already
    made its objects (a libvirt connection was opened): the admin library
    would crash it (see this module's docstring)."""
    c_name = _core.cstr_or_null(name, "name")
    flags = _index(flags)
    if not _types_checked:
        if _glib_type_exists(_ADMIN_TYPE):
            raise _refused(
                "libvirt-admin cannot be used in a process that has opened a "
                "libvirt connection: libvirt.so registered the object types "
                "libvirt-admin.so needs (it would crash)")
        _types_checked.append(True)
    ret = _virAdmConnectOpen(c_name, flags)
    if not ret:
        raise _core.error("virAdmConnectOpen() failed")
    return _core.classes["virAdmConnect"]._adopt(None, ret)


def _close_callback():
    return _events.c_callback(_CLOSE_FUNC, _CLOSE_FUNC)


class AdminConnection(_objects.OwnConnection):
    """A connection to a daemon's admin server (libvirt_admin.open())."""

    __slots__ = ()

    def registerCloseCallback(self, cb, opaque):
        """Call cb(conn, reason, opaque) when the connection closes for a
        reason other than close() (VIR_CONNECT_CLOSE_REASON_*). Needs an
        event loop registered before the connection was opened."""
        _core.require_callable(cb, "cb", "virAdmConnectRegisterCloseCallback")
        handle = _callbacks.hold(_events.Registration(self, cb, opaque))
        ret = _virAdmConnectRegisterCloseCallback(
            self._o, _close_callback(), handle, _callbacks.FREE_OPAQUE)
        if ret == -1:
            error = _core.error("virAdmConnectRegisterCloseCallback() failed")
            _callbacks.drop(handle)
            raise error
        self.__dict__["_close_registration"] = handle
        return ret

    def unregisterCloseCallback(self):
        """Remove the close callback."""
        ret = _virAdmConnectUnregisterCloseCallback(self._o, _close_callback())
        if ret == -1:
            raise _core.error("virAdmConnectUnregisterCloseCallback() failed")
        _events.forget_close_registration(self)
        return ret


class AdminClient(_objects.MadeFromObject):
    """A client connected to one of the daemon's servers: made from that
    server, which it keeps (server()), as it keeps the admin connection
    (connect())."""

    __slots__ = ()

    def __init__(self, srv, _obj=None) -> None:
        _objects.MadeFromObject.__init__(self, srv, _obj)

    def server(self):
        return self._parent
