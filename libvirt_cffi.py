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

From a shell: `libvirt-cffi-info [--missing] [--libvirt-python-stand-in DIR]`
(or `python -m libvirt_cffi`).
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


def write_libvirt_python_stand_in(directory: str) -> str:
    """Write a wheel named libvirt-python that holds no code and requires
    libvirt-cffi, so that pip counts a requirement on libvirt-python as met
    by this package (README, "Replacing libvirt-python"). Its version is
    the libvirt release this build was made for, with the local label
    "+cffi" (which version specifiers ignore). Returns its path."""
    import base64
    import hashlib
    import os
    import zipfile
    version = "%d.%d.%d+cffi" % tuple(BUILT_FOR)
    info = "libvirt_python-%s.dist-info" % version
    files = {
        info + "/METADATA": ("Metadata-Version: 2.1\nName: libvirt-python\nVersion: %s\n"
                             "Summary: libvirt-python's name, provided by libvirt-cffi\n"
                             "Requires-Dist: libvirt-cffi\n" % version),
        info + "/WHEEL": ("Wheel-Version: 1.0\nGenerator: libvirt-cffi\n"
                          "Root-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
        record.append("%s,sha256=%s,%d" % (name, digest.rstrip(b"=").decode(), len(text)))
    files[info + "/RECORD"] = "\n".join(record + [info + "/RECORD,,"]) + "\n"
    path = os.path.join(directory, "libvirt_python-%s-py3-none-any.whl" % version)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, text in files.items():
            wheel.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text)
    return path


def main(argv=None) -> int:
    """`libvirt-cffi-info [--missing] [--libvirt-python-stand-in DIR]`: which
    build this is, the libvirt it loaded, and the functions of the build's
    API that libvirt lacks."""
    import argparse
    parser = argparse.ArgumentParser(prog="libvirt-cffi-info", description=main.__doc__)
    parser.add_argument("--missing", action="store_true",
                        help="list the functions the loaded libvirt lacks")
    parser.add_argument("--libvirt-python-stand-in", metavar="DIR",
                        help="write a wheel named libvirt-python that requires this "
                             "package into DIR (pip then counts libvirt-python as installed)")
    args = parser.parse_args(argv)
    if args.libvirt_python_stand_in:
        print(write_libvirt_python_stand_in(args.libvirt_python_stand_in))
        return 0
    missing = sorted(name for name in _functions.FUNCTIONS if not function_available(name))
    print("libvirt-cffi %s, %s mode, built for libvirt %d.%d.%d"
          % ((_version(), MODE) + tuple(BUILT_FOR)))
    print("loaded libvirt %d.%d.%d: %d of %d functions available"
          % (RUNTIME_VERSION + (len(_functions.FUNCTIONS) - len(missing),
                                len(_functions.FUNCTIONS))))
    if args.missing:
        for name in missing:
            print("  missing: %s" % name)
    return 0


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("libvirt-cffi")
    except Exception:   # run from a tree that is not installed
        return "(not installed)"


if __name__ == "__main__":
    raise SystemExit(main())
