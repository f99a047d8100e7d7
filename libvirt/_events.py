"""Events delivered by libvirt's event loop: storage pool events and the
connection close callback. (Run a loop with virEventRegisterDefaultImpl()
and virEventRunDefaultImpl() in a thread, as with libvirt-python.)

A Python callback runs in the thread running the loop, with the GIL taken
by cffi; an exception it raises is printed, as libvirt-python does, and
never reaches libvirt."""

from __future__ import annotations

from . import _callbacks, _core

_ffi = _core.ffi
_virConnectStoragePoolEventRegisterAny = _core.function(
    "libvirt", "virConnectStoragePoolEventRegisterAny", (2, 0, 0))
_virConnectRegisterCloseCallback = _core.function(
    "libvirt", "virConnectRegisterCloseCallback", (0, 10, 0))
_virConnectUnregisterCloseCallback = _core.function(
    "libvirt", "virConnectUnregisterCloseCallback", (0, 10, 0))
_virStoragePoolRef = _core.function("libvirt", "virStoragePoolRef", (0, 6, 0))

classes = _core.classes


def _pool(conn, pool_ptr):
    """A virStoragePool for a pool libvirt lends to a callback: it holds its
    own reference, since libvirt frees the pool when the callback returns."""
    _virStoragePoolRef(pool_ptr)
    return classes["virStoragePool"]._adopt(conn, pool_ptr)


def _pool_lifecycle(_conn_ptr, pool_ptr, event, detail, opaque):
    conn, callback, user_data = _callbacks.record_of(opaque)
    callback(conn, _pool(conn, pool_ptr), event, detail, user_data)


def _pool_generic(_conn_ptr, pool_ptr, opaque):
    conn, callback, user_data = _callbacks.record_of(opaque)
    callback(conn, _pool(conn, pool_ptr), user_data)


def _closed(_conn_ptr, reason, opaque):
    conn, callback, user_data = _callbacks.record_of(opaque)
    callback(conn, reason, user_data)


_GENERIC_POOL_CALLBACK = "virConnectStoragePoolEventGenericCallback"
# Event ID -> the C callback libvirt calls for it, as its generic type.
_POOL_EVENT_CALLBACKS = {
    0: _ffi.cast(_GENERIC_POOL_CALLBACK, _callbacks.c_function(
        "virConnectStoragePoolEventLifecycleCallback", _pool_lifecycle)),
    1: _ffi.cast(_GENERIC_POOL_CALLBACK, _callbacks.c_function(
        _GENERIC_POOL_CALLBACK, _pool_generic)),
}
_CLOSE_CALLBACK = _callbacks.c_function("virConnectCloseFunc", _closed)


class ConnectionEvents:
    """The virConnect methods registering Python callbacks for events."""

    def storagePoolEventRegisterAny(self, pool, eventID, cb, opaque):
        """Call cb for storage pool events of kind eventID
        (VIR_STORAGE_POOL_EVENT_ID_*), of `pool` or of every pool (None):
        cb(conn, pool, event, detail, opaque) for LIFECYCLE,
        cb(conn, pool, opaque) for REFRESH. Returns the callback ID."""
        c_callback = _POOL_EVENT_CALLBACKS.get(eventID)
        if c_callback is None:
            raise ValueError("unknown storage pool event ID %r" % (eventID,))
        if not callable(cb):
            raise TypeError("cb must be callable")
        c_pool = _core.handle_or_null(pool, classes["virStoragePool"], "pool")
        handle = _callbacks.hold((self, cb, opaque))
        ret = _virConnectStoragePoolEventRegisterAny(
            self._o, c_pool, eventID, c_callback, handle, _callbacks.FREE_OPAQUE)
        if ret == -1:
            error = _core.error("virConnectStoragePoolEventRegisterAny() failed")
            _callbacks.drop(handle)
            raise error
        return ret

    def registerCloseCallback(self, cb, opaque):
        """Call cb(conn, reason, opaque) when the connection closes for a
        reason other than close() (VIR_CONNECT_CLOSE_REASON_*)."""
        if not callable(cb):
            raise TypeError("cb must be callable")
        handle = _callbacks.hold((self, cb, opaque))
        ret = _virConnectRegisterCloseCallback(
            self._o, _CLOSE_CALLBACK, handle, _callbacks.FREE_OPAQUE)
        if ret == -1:
            error = _core.error("virConnectRegisterCloseCallback() failed")
            _callbacks.drop(handle)
            raise error
        return ret

    def unregisterCloseCallback(self):
        """Remove the close callback."""
        ret = _virConnectUnregisterCloseCallback(self._o, _CLOSE_CALLBACK)
        if ret == -1:
            raise _core.error("virConnectUnregisterCloseCallback() failed")
        return ret
