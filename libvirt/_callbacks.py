"""Calling Python from libvirt: C function pointers for Python functions, and
user data that stays alive exactly as long as libvirt holds it.

The compiled modes (API and dlopen) attach each Python function to its compiled `extern "Python"`
trampoline (lvc_cb_<callback type>, declared by the generator), so no libffi
closure is made per registration; ABI mode makes one ffi.callback per
function, once, at import. Either way cffi takes the GIL when libvirt calls
from one of its own threads.
"""

from __future__ import annotations

from _thread import allocate_lock  # threading costs milliseconds of import time

from . import _core

_ffi = _core.ffi
_api_lib = _core.API_LIB
_closures = []          # ABI mode: keeps every ffi.callback alive


def c_function(callback_type: str, python_function, error_result=None):
    """The C function pointer of type `callback_type` (a libvirt functype)
    that runs `python_function`. An exception escaping it is reported on
    stderr and `error_result` returned to libvirt: it never unwinds into C."""

    def guarded(*args):
        try:
            return python_function(*args)
        except BaseException:   # noqa: B902 - nothing may reach libvirt's frames
            _core.report_exception()
            return error_result

    guarded.__name__ = python_function.__name__
    if _api_lib is not None:
        name = "lvc_cb_" + callback_type
        _ffi.def_extern(name=name)(guarded)
        return _ffi.addressof(_api_lib, name)
    closure = _ffi.callback(callback_type, guarded)
    _closures.append(closure)
    return closure


# --- user data held by libvirt ---------------------------------------------------

_held = {}              # address -> ffi.new_handle(record)
_held_lock = allocate_lock()


def hold(record):
    """A `void *` for libvirt's opaque argument that leads back to `record`.
    It stays valid until libvirt calls FREE_OPAQUE with it (or `drop`)."""
    handle = _ffi.new_handle(record)
    with _held_lock:
        _held[_address(handle)] = handle
    return handle


def drop(handle) -> None:
    """Forget user data libvirt refused (the registration failed)."""
    with _held_lock:
        _held.pop(_address(handle), None)


def record_of(opaque):
    return _ffi.from_handle(opaque)


def _address(pointer) -> int:
    return int(_ffi.cast("uintptr_t", pointer))


def _free_opaque(opaque) -> None:
    with _held_lock:
        _held.pop(_address(opaque), None)


# libvirt's virFreeCallback for every opaque made by hold().
FREE_OPAQUE = c_function("virFreeCallback", _free_opaque)
