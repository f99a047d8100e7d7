"""How the package is built: the mode and the cffi builder.

`choose_mode` decides API, ABI or dlopen mode; `target_version` the newest libvirt
the declarations may assume in that mode; `make_ffi` gives the cffi builder
for that mode. It knows no emitter: the generated modules are written by
generator.emitters (which imports this module, never the other way round).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Dict, Optional, Tuple

from . import emit_cdef, sources
from .annotate import annotate
from .model import Api, Version, parse_version
from .parse import load_api

MODE_ENV = "LIBVIRT_CFFI_MODE"
API_MODULE = "libvirt._libvirt_cffi"
ABI_MODULE = "libvirt._libvirt_cffi_abi"
# Compiled like API mode, but from the model alone: no libvirt headers, no
# -lvirt; the loader dlopen()s the libraries at import.
DLOPEN_MODULE = "libvirt._libvirt_cffi_dl"
MODES = ("api", "abi", "dlopen")
# Type disagreements the compiler would only warn about, as errors.
WERROR = ["-Werror=incompatible-pointer-types", "-Werror=pointer-sign",
          "-Werror=int-conversion", "-Werror=discarded-qualifiers"]


def load(api_dir: Optional[str] = None, mode: Optional[str] = None) -> Api:
    """The annotated model: of the XML in `api_dir`, else of the description
    generator.sources chooses for the build mode."""
    if api_dir:
        api = load_api(api_dir)
    else:
        api = load_api(files=description(mode or choose_mode()[0])[0])
    annotate(api)
    return api


def description(mode: str) -> Tuple[Dict[str, str], str]:
    """(module -> API XML path, why) for a build in `mode`."""
    return sources.choose(mode)


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
    """('api' | 'abi' | 'dlopen', why). auto: API mode with libvirt's
    headers and a compiler, dlopen mode with a compiler and Python's headers
    alone, ABI mode otherwise."""
    wanted = os.environ.get(MODE_ENV, "auto").lower()
    if wanted not in ("auto",) + MODES:
        raise SystemExit("%s must be api, abi, dlopen or auto, not %r"
                         % (MODE_ENV, wanted))
    if wanted == "abi":
        return "abi", "asked for with %s=abi" % MODE_ENV
    compiler = os.environ.get("CC", "cc").split()[0]
    if wanted == "dlopen":
        if shutil.which(compiler) is None:
            raise SystemExit("dlopen mode needs a C compiler (%s)" % compiler)
        return "dlopen", "asked for with %s=dlopen" % MODE_ENV
    missing = []
    if headers_version() is None:
        missing.append("libvirt headers (pkg-config libvirt)")
    if shutil.which(compiler) is None:
        missing.append("a C compiler (%s)" % compiler)
    if not missing:
        return "api", "headers and compiler found"
    if wanted == "api":
        raise SystemExit("API mode needs " + " and ".join(missing))
    if shutil.which(compiler) is not None and _python_headers():
        return "dlopen", "a compiler and Python's headers, but no libvirt headers"
    return "abi", "no " + " and no ".join(missing)


def _python_headers() -> bool:
    """Python.h is there: compiling the extension can work."""
    import sysconfig
    return os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))


def target_version(api: Api, mode: str) -> Version:
    """The newest libvirt the declarations may assume: the headers' in API
    mode (the compiler checks against them), the XML's in ABI and dlopen
    mode (no headers limit them; the loader finds what the library has)."""
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
            extra_compile_args=cflags + ["-Wno-deprecated-declarations", "-O0"]
            + WERROR,
            # Every library stays needed although all references to it are
            # weak (see emit_set_source); --as-needed would drop them.
            extra_link_args=["-Wl,--no-as-needed"] + libs)
    elif mode == "dlopen":
        dlopen_source(ffi, api, version)
    else:
        ffi.set_source(ABI_MODULE, None)
    return ffi


def dlopen_source(ffi, api: Api, version: Version, module: str = DLOPEN_MODULE,
                  sonames: Optional[Dict[str, str]] = None) -> None:
    """Add dlopen mode's extras and C source to `ffi` (which has the cdef);
    `module` and `sonames` other than the build's are for the tests."""
    ffi.cdef(emit_cdef.LOADER_CDEF)
    ffi.cdef(emit_cdef.emit_release_cdef(api))
    ffi.cdef(emit_cdef.emit_callback_cdef(api))
    ffi.set_source(
        module, emit_cdef.emit_dlopen_source(api, version, sonames or emit_cdef.SONAMES),
        # -O0 and the errors as in API mode. A call to a function the source
        # does not declare (not made a pointer) would need a missing symbol.
        extra_compile_args=["-O0", "-Werror=implicit-function-declaration"] + WERROR,
        # glibc before 2.34 has dlopen in libdl; later ones keep an empty
        # libdl, so it is always safe to name on Linux.
        libraries=["dl"] if sys.platform.startswith("linux") else [])
