"""From the installed libvirt to the files the package is built from.

`choose_mode` decides API or ABI mode; `make_ffi` gives the cffi builder for
that mode; `python_files` gives the generated Python modules (written by
generator.emitters.PythonEmitter).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Dict, Optional, Tuple

from . import (emit_cdef, emit_enums, emit_functions, emit_libvirtmod, emit_python,
               typed_params)
from .annotate import annotate
from .model import Api, Version, parse_version
from .parse import load_api

MODE_ENV = "LIBVIRT_CFFI_MODE"
API_MODULE = "libvirt._libvirt_cffi"
ABI_MODULE = "libvirt._libvirt_cffi_abi"


def load(api_dir: Optional[str] = None) -> Api:
    api = load_api(api_dir)
    annotate(api)
    return api


def _pkg_config(*args: str) -> Optional[str]:
    try:
        out = subprocess.run(["pkg-config", *args], capture_output=True,
                             text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def headers_version() -> Optional[Version]:
    """The version of the libvirt headers API mode would compile against."""
    text = _pkg_config("--modversion", "libvirt")
    return parse_version(text) if text else None


def choose_mode() -> Tuple[str, str]:
    """('api' | 'abi', why)."""
    wanted = os.environ.get(MODE_ENV, "auto").lower()
    if wanted not in ("auto", "api", "abi"):
        raise SystemExit("%s must be api, abi or auto, not %r" % (MODE_ENV, wanted))
    if wanted == "abi":
        return "abi", "asked for with %s=abi" % MODE_ENV
    compiler = os.environ.get("CC", "cc").split()[0]
    missing = []
    if headers_version() is None:
        missing.append("libvirt headers (pkg-config libvirt)")
    if shutil.which(compiler) is None:
        missing.append("a C compiler (%s)" % compiler)
    if not missing:
        return "api", "headers and compiler found"
    if wanted == "api":
        raise SystemExit("API mode needs " + " and ".join(missing))
    return "abi", "no " + " and no ".join(missing)


def target_version(api: Api, mode: str) -> Version:
    """The newest libvirt the declarations may assume: the headers' in API
    mode (the compiler checks against them), the XML's in ABI mode."""
    xml_version = parse_version(api.sources.get("libvirt"))
    if mode == "api":
        return min(xml_version, headers_version() or xml_version)
    return xml_version


def make_ffi(api: Api, mode: str):
    import cffi
    version = target_version(api, mode)
    ffi = cffi.FFI()
    ffi.cdef(emit_cdef.emit_cdef(api, version))
    if mode == "api":
        ffi.cdef(emit_cdef.emit_release_cdef(api))
        ffi.cdef(emit_cdef.emit_callback_cdef(api))
        packages = [emit_cdef.PKG_CONFIG_PACKAGES[m] for m in sorted(api.sources)]
        cflags = (_pkg_config("--cflags", *packages) or "").split()
        libs = (_pkg_config("--libs", *packages) or "").split()
        ffi.set_source(
            API_MODULE, emit_cdef.emit_set_source(api, version),
            # -O0: the generated C only marshals arguments; optimising it
            # changed no measured call time and doubled the compile time.
            # Errors, not warnings, where a declaration disagrees with
            # libvirt's headers in a way the compiler can only warn about.
            extra_compile_args=cflags + [
                "-Wno-deprecated-declarations", "-O0",
                "-Werror=incompatible-pointer-types", "-Werror=pointer-sign",
                "-Werror=int-conversion", "-Werror=discarded-qualifiers"],
            # Every library stays needed although all references to it are
            # weak (see emit_set_source); --as-needed would drop them.
            extra_link_args=["-Wl,--no-as-needed"] + libs)
    else:
        ffi.set_source(ABI_MODULE, None)
    return ffi


def python_files(api: Api, mode: str) -> Dict[str, str]:
    """Generated module name (within libvirt/) -> its source."""
    info = [
        '"""How this copy of libvirt-cffi was built (generated)."""',
        "MODE = %r" % mode,
        "BUILT_FOR_LIBVIRT = %r" % (target_version(api, mode),),
        "SONAMES = %r" % (dict(sorted(emit_cdef.SONAMES.items())),),
    ]
    files = {"_generated.py": emit_python.emit_module(api, "libvirt"),
             "_build_info.py": "\n".join(info) + "\n",
             # the enum classes' table (made on first access: __init__.py)
             "_enums.py": emit_enums.emit_enum_table(api),
             # the typed-parameter tables of the setters without a getter
             "_param_types.py": typed_params.emit_module(api),
             # the C functions the hand-written modules call, with their versions
             "_functions.py": emit_functions.emit_functions(api)}
    # libvirt_qemu, libvirt_lxc and libvirt_admin (top-level modules) import these.
    for module, name in (("libvirt-qemu", "qemu"), ("libvirt-lxc", "lxc"),
                         ("libvirt-admin", "admin")):
        if module in api.sources:
            files["_generated_%s.py" % name] = emit_python.emit_module(
                api, "libvirt_" + name)
    # libvirt-python's low-level modules (libvirtmod, libvirtmod_qemu, _lxc).
    files.update(emit_libvirtmod.module_files(api))
    return files


def build_inplace(mode: Optional[str] = None) -> str:
    """Generate and compile into the source tree's libvirt/ (for development)."""
    mode = mode or choose_mode()[0]
    from .emitters import PythonEmitter
    api = load()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    PythonEmitter(mode).write(api, root)
    ffi = make_ffi(api, mode)
    ffi.compile(tmpdir=root, verbose=False)
    return mode


if __name__ == "__main__":
    print(build_inplace(sys.argv[1] if len(sys.argv) > 1 else None))
