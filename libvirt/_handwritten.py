"""Module functions libvirt-python shapes by hand."""

from __future__ import annotations

from typing import Optional

from . import _core

__all__ = ["getVersion", "virGetLastError", "virGetLastErrorMessage"]

_ffi = _core.ffi
_virGetVersion = _core.function("libvirt", "virGetVersion", (0, 0, 1))


def getVersion(name: Optional[str] = None) -> int:
    """The version of the loaded libvirt library, as major * 1,000,000 +
    minor * 1,000 + release; with `name`, the version of that driver."""
    lib_version = _ffi.new("unsigned long *")
    if name is None:
        ret = _virGetVersion(lib_version, _ffi.NULL, _ffi.NULL)
        if ret == -1:
            raise _core.error("virGetVersion() failed")
        return lib_version[0]
    type_version = _ffi.new("unsigned long *")
    ret = _virGetVersion(lib_version, _core.cstr(name, "name"), type_version)
    if ret == -1:
        raise _core.error("virGetVersion() failed")
    return type_version[0]


def virGetLastError():
    """libvirt's last error in this thread, as a 9-tuple, or None."""
    return _core.last_error()


def virGetLastErrorMessage() -> str:
    err = _core.last_error()
    return "no error" if err is None else err[2]
