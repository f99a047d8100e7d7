"""Module functions whose libvirt-python shape is not a mechanical wrapping
(each described in api-xml/libvirt-handwritten.xml)."""

from __future__ import annotations

from _thread import allocate_lock  # threading costs milliseconds of import time

from . import _core, _functions

__all__ = ["getVersion", "virGetLastError", "registerErrorHandler"]

_ffi = _core.ffi
_virGetVersion = _functions.virGetVersion
_virSetErrorFunc = _functions.virSetErrorFunc


def getVersion(name=None):
    """The version of the loaded libvirt (major * 1,000,000 + minor * 1,000 +
    release); with a driver `name`, the tuple (libvirt's, the driver's)."""
    lib_version = _ffi.new("unsigned long *")
    if name is None:
        if _virGetVersion(lib_version, _ffi.NULL, _ffi.NULL) == -1:
            raise _core.error("virGetVersion() failed")
        return lib_version[0]
    type_version = _ffi.new("unsigned long *")
    if _virGetVersion(lib_version, _core.cstr_checked(name, "name"), type_version) == -1:
        raise _core.error("virGetVersion() failed")
    return (lib_version[0], type_version[0])


def virGetLastError():
    """libvirt's last error in this thread, as a 9-tuple, or None."""
    return _core.last_error()


# The Python handler libvirt's errors go to: (f, ctx), or None.
_handler_lock = allocate_lock()
_handler = None


@_ffi.callback("void(void *, virErrorPtr)")
def _report_error(_userdata, err) -> None:
    handler = _handler
    if handler is None:
        return
    f, ctx = handler
    try:
        f(ctx, _core.error_tuple(err))
    except Exception:       # never let it unwind into libvirt's C frames
        _core.report_exception()


def registerErrorHandler(f, ctx) -> int:
    """Have f(ctx, error) called for every libvirt error (error being the
    9-tuple of virGetLastError); f=None restores libvirt's default handler,
    which prints every error to stderr. Returns 1.

    Until then errors are only raised, not printed: the binding installs a
    handler that stays quiet (libvirt-python leaves libvirt's printing on)."""
    global _handler
    _core.require_callable(f, "f", "registerErrorHandler", allow_none=True)
    with _handler_lock:
        _handler = None if f is None else (f, ctx)
        _virSetErrorFunc(_ffi.NULL, _ffi.NULL if f is None else _report_error)
    return 1


# Quiet by default: every error already reaches the caller as libvirtError.
_virSetErrorFunc(_ffi.NULL, _report_error)
