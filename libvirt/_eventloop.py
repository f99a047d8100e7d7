"""Event loops: a Python implementation of libvirt's event loop
(virEventRegisterImpl, as libvirtaio uses), and Python callbacks on
whichever loop libvirt runs (virEventAddHandle, virEventAddTimeout).

With a Python loop, libvirt calls addHandle(fd, events, cb, opaque) and
addTimeout(timeout, cb, opaque); the loop later calls cb(watch, fd, events,
opaque) or cb(timer, opaque), which runs libvirt's C callback, and once
libvirt has removed the watch or timer, virEventInvokeFreeCallback(opaque).
`opaque` is libvirt-python's tuple (C callback, C data, C free function).
"""

from __future__ import annotations

from _thread import allocate_lock  # threading costs milliseconds of import time

from . import _callbacks, _core, _functions

__all__ = ["virEventRegisterImpl", "virEventAddHandle", "virEventAddTimeout",
           "virEventInvokeFreeCallback", "_eventInvokeHandleCallback",
           "_eventInvokeTimeoutCallback"]

_ffi = _core.ffi
_NULL = _ffi.NULL
_virEventRegisterImpl = _functions.virEventRegisterImpl
_virEventAddHandle = _functions.virEventAddHandle
_virEventAddTimeout = _functions.virEventAddTimeout

# The six Python functions of the registered loop (libvirt allows one).
_impl = None
_impl_lock = allocate_lock()


# Refused outside int (a libvirtError), which libvirt-python's 'i' also
# refuses (a bare OverflowError).
_c_int = _core.index_checker("int")


def _add_handle(fd, events, cb, opaque, ff):
    return _impl[0](fd, events, _eventInvokeHandleCallback, (cb, opaque, ff))


def _update_handle(watch, events):
    _impl[1](watch, events)


def _remove_handle(watch):
    return _impl[2](watch)


def _add_timeout(timeout, cb, opaque, ff):
    return _impl[3](timeout, _eventInvokeTimeoutCallback, (cb, opaque, ff))


def _update_timeout(timer, timeout):
    _impl[4](timer, timeout)


def _remove_timeout(timer):
    return _impl[5](timer)


# libvirt sees -1 ("failed") when the Python function raises.
_C_IMPL = (
    _callbacks.c_function("virEventAddHandleFunc", _add_handle, error_result=-1),
    _callbacks.c_function("virEventUpdateHandleFunc", _update_handle),
    _callbacks.c_function("virEventRemoveHandleFunc", _remove_handle, error_result=-1),
    _callbacks.c_function("virEventAddTimeoutFunc", _add_timeout, error_result=-1),
    _callbacks.c_function("virEventUpdateTimeoutFunc", _update_timeout),
    _callbacks.c_function("virEventRemoveTimeoutFunc", _remove_timeout, error_result=-1),
)


def virEventRegisterImpl(addHandle, updateHandle, removeHandle,
                         addTimeout, updateTimeout, removeTimeout):
    """Make these Python functions libvirt's event loop (once per process)."""
    global _impl
    functions = (addHandle, updateHandle, removeHandle,
                 addTimeout, updateTimeout, removeTimeout)
    for name, function in zip(("addHandle", "updateHandle", "removeHandle",
                               "addTimeout", "updateTimeout", "removeTimeout"),
                              functions):
        _core.require_callable(function, name, "virEventRegisterImpl")
    with _impl_lock:
        if _impl is not None:
            raise RuntimeError("Event loop is already registered")
        _impl = functions
    _virEventRegisterImpl(*_C_IMPL)


def _c_parts(opaque, opaquecompat):
    # Before libvirt 0.9.3 loops passed the callback and its data apart.
    if opaquecompat is not None:
        return opaque, opaquecompat
    if not isinstance(opaque, tuple) or len(opaque) != 3:
        raise TypeError("opaque must be the tuple libvirt's addHandle/addTimeout gave")
    return opaque[0], opaque[1]


def _eventInvokeHandleCallback(watch, fd, event, opaque, opaquecompat=None):
    """Run libvirt's callback for an event on a watched file descriptor."""
    callback, data = _c_parts(opaque, opaquecompat)
    if callback:
        callback(_c_int(watch, "watch"), _c_int(fd, "fd"), _c_int(event, "event"),
                 data)


def _eventInvokeTimeoutCallback(timer, opaque, opaquecompat=None):
    """Run libvirt's callback for an expired timer."""
    callback, data = _c_parts(opaque, opaquecompat)
    if callback:
        callback(_c_int(timer, "timer"), data)


def virEventInvokeFreeCallback(opaque):
    """Free the data of a removed watch or timer, with libvirt's free
    function. Call it from the loop, never from inside libvirt's call."""
    _callback, data, free = opaque
    if free:
        free(data)


# --- Python callbacks on libvirt's loop ------------------------------------

class _Watch:
    __slots__ = ("callback", "opaque")

    def __init__(self, callback, opaque):
        self.callback, self.opaque = callback, opaque


def _handle_event(watch, fd, events, opaque):
    record = _callbacks.record_of(opaque)
    record.callback(watch, fd, events, record.opaque)


def _timer_expired(timer, opaque):
    record = _callbacks.record_of(opaque)
    record.callback(timer, record.opaque)


_HANDLE_CALLBACK = _callbacks.c_function("virEventHandleCallback", _handle_event)
_TIMEOUT_CALLBACK = _callbacks.c_function("virEventTimeoutCallback", _timer_expired)


def virEventAddHandle(fd, events, cb, opaque):
    """Call cb(watch, fd, events, opaque) when fd is ready for `events`
    (VIR_EVENT_HANDLE_*); returns the watch."""
    fd, events = _c_int(fd, "fd"), _c_int(events, "events")
    _core.require_callable(cb, "cb", "virEventAddHandle")
    handle = _callbacks.hold(_Watch(cb, opaque))
    ret = _virEventAddHandle(fd, events, _HANDLE_CALLBACK, handle,
                             _callbacks.FREE_OPAQUE)
    if ret == -1:
        error = _core.error("virEventAddHandle() failed")
        _callbacks.drop(handle)
        raise error
    return ret


def virEventAddTimeout(timeout, cb, opaque):
    """Call cb(timer, opaque) every `timeout` ms (-1: disabled, 0: every
    loop iteration); returns the timer."""
    timeout = _c_int(timeout, "timeout")
    _core.require_callable(cb, "cb", "virEventAddTimeout")
    handle = _callbacks.hold(_Watch(cb, opaque))
    ret = _virEventAddTimeout(timeout, _TIMEOUT_CALLBACK, handle,
                              _callbacks.FREE_OPAQUE)
    if ret == -1:
        error = _core.error("virEventAddTimeout() failed")
        _callbacks.drop(handle)
        raise error
    return ret
