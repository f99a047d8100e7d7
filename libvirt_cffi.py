"""What libvirt-cffi offers beyond libvirt-python's API, kept out of the
`libvirt` namespace so that it stays libvirt-python's:

    import libvirt_cffi
    libvirt_cffi.function_available("virDomainFDAssociate")   # in the loaded libvirt?
    libvirt_cffi.MODE                # "api" (compiled, linked), "dlopen"
                                     # (compiled, loads libvirt) or "abi"
    libvirt_cffi.RUNTIME_VERSION     # the loaded libvirt, e.g. (9, 0, 0)
    libvirt_cffi.BUILT_FOR           # the libvirt the declarations were made for
    libvirt_cffi.FunctionNotAvailable  # what calling a missing function raises
    libvirt_cffi.ArgumentTypeError     # refused arguments: libvirtErrors that are
    libvirt_cffi.ArgumentValueError    # also TypeError, ValueError or
    libvirt_cffi.ArgumentRangeError    # OverflowError
"""

import libvirt  # noqa: F401  (binds every function: fills _core.bound)
from libvirt import _core, _functions
from libvirt._build_info import BUILT_FOR_LIBVIRT as BUILT_FOR

__all__ = ["function_available", "MODE", "RUNTIME_VERSION", "BUILT_FOR",
           "FunctionNotAvailable", "ArgumentTypeError", "ArgumentValueError",
           "ArgumentRangeError"]

MODE = _core.MODE
RUNTIME_VERSION = _core.RUNTIME_VERSION
FunctionNotAvailable = _core.FunctionNotAvailable
ArgumentTypeError = _core.ArgumentTypeError
ArgumentValueError = _core.ArgumentValueError
ArgumentRangeError = _core.ArgumentRangeError


def function_available(name: str) -> bool:
    """Whether the loaded libvirt has the C function `name` (e.g.
    "virDomainFDAssociate") and the binding can call it."""
    if not isinstance(name, str):
        raise TypeError("name must be str, not %s" % type(name).__name__)
    if name in _core.bound:
        return _core.bound[name]
    if name in _functions.FUNCTIONS:    # binding it checks its since-version
        getattr(_functions, name)
        return _core.bound[name]
    for module in ("libvirt", "libvirt-qemu", "libvirt-lxc", "libvirt-admin"):
        try:
            getattr(_core.library(module), name)
            return True
        except (AttributeError, OSError, _core.ffi.error):
            continue
    return False
