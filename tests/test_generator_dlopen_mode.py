"""dlopen mode (LIBVIRT_CFFI_MODE=dlopen): a compiled module made from the
API XML alone, linked against no libvirt, whose loader finds each function
at import; what it does not find can never be called.

The loader is tried on modules built here from tests/fixtures/mini-api.xml
(small: a second to compile), which describes functions of libvirt 99.0
beside real ones: the real ones are called on test:///default through the
loaded libvirt.so.0, the future ones stay unresolved. Needs a C compiler.
"""

import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

import libvirt
import libvirt_cffi
from libvirt import _core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Appended, not prepended: the installed (built) libvirt package must win
# over the source tree's unbuilt one.
if ROOT not in sys.path:
    sys.path.append(ROOT)

import cffi  # noqa: E402

from generator import build, emit_cdef  # noqa: E402
from generator.annotate import annotate  # noqa: E402
from generator.parse import load_api, locate_api_files  # noqa: E402

MINI = os.path.join(ROOT, "tests", "fixtures", "mini-api.xml")
ALLOWED_INCLUDES = {"stdlib.h", "string.h", "dlfcn.h", "pthread.h"}


def _need_compiler():
    if shutil.which(os.environ.get("CC", "cc").split()[0]) is None:
        pytest.skip("no C compiler")


def _mini():
    api = load_api(files={"libvirt": MINI}, project_dir=None)
    annotate(api)
    return api


def _build(api, name, tmp_path, sonames=None):
    """The dlopen-mode module of `api`, compiled and imported (not loaded)."""
    ffi = cffi.FFI()
    version = build.target_version(api, "dlopen")
    ffi.cdef(emit_cdef.emit_cdef(api, version))
    build.dlopen_source(ffi, api, version, module=name, sonames=sonames)
    path = ffi.compile(tmpdir=str(tmp_path), verbose=False)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path


def _unresolved(module):
    names, lib, ffi = [], module.lib, module.ffi
    while lib.lvc_dl_unresolved(len(names)) != ffi.NULL:
        names.append(ffi.string(lib.lvc_dl_unresolved(len(names))).decode())
    return names


def _needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.*?)\]", out)


# --- built from the model alone ---------------------------------------------------

def test_the_c_source_includes_no_libvirt_header(api):
    version = build.target_version(api, "dlopen")
    source = emit_cdef.emit_dlopen_source(api, version)
    includes = set(re.findall(r"#\s*include\s*<([^>]+)>", source))
    assert includes == ALLOWED_INCLUDES
    assert "libvirt/" not in source and "#pragma weak" not in source
    # Every declared function goes through its pointer, by a whole-token macro.
    for name in emit_cdef.declared_functions(api, version):
        assert "#define %s (*lvc_fp_%s)\n" % (name, name) in source
    assert len(emit_cdef.declared_functions(api, version)) > 400
    # Deterministic: the same model gives the same text.
    assert source == emit_cdef.emit_dlopen_source(api, version)


def test_it_builds_without_pkg_config_or_libvirt_headers(tmp_path):
    """The build of the real model with pkg-config failing and every libvirt
    header replaced by one that stops the compiler: only the API XML is read."""
    _need_compiler()
    poison = tmp_path / "include" / "libvirt"
    poison.mkdir(parents=True)
    for header in emit_cdef.HEADERS.values():
        (tmp_path / "include" / header).write_text('#error "a libvirt header was used"\n')
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pkg-config").write_text("#!/bin/sh\nexit 1\n")
    (bin_dir / "pkg-config").chmod(0o755)
    # The XML is data (libvirt-dev ships it): named here, not found by pkg-config.
    xml_dir = os.path.dirname(locate_api_files()["libvirt"])
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]),
               PKG_CONFIG_PATH=str(tmp_path / "empty"), LIBVIRT_CFFI_MODE="dlopen",
               CFLAGS="-I%s" % (tmp_path / "include"), LIBVIRT_API_XML_DIR=xml_dir)
    script = ("import sys; sys.path.insert(0, %r)\n"
              "from generator import build\n"
              "mode, _ = build.choose_mode()\n"
              "assert build.headers_version() is None\n"
              "ffi = build.make_ffi(build.load(), mode)\n"
              "print(mode, ffi.compile(tmpdir=%r, verbose=False))\n"
              % (ROOT, str(tmp_path / "out")))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    mode, path = out.stdout.split()
    assert mode == "dlopen"
    assert not [n for n in _needed(path) if "libvirt" in n], _needed(path)


def test_only_api_mode_links_libvirt():
    """dlopen mode's installed module needs no libvirt (and is abi3 on
    CPython); API mode's is linked against it; ABI mode compiles nothing."""
    if _core.MODE == "abi":
        assert _core.API_LIB is None
        assert "libvirt._libvirt_cffi_abi" in sys.modules
        return
    name = {"dlopen": "libvirt._libvirt_cffi_dl", "api": "libvirt._libvirt_cffi"}[_core.MODE]
    path = sys.modules[name].__file__
    needed = _needed(path)
    libvirt_entries = [n for n in needed if "libvirt" in n]
    if _core.MODE == "dlopen":
        assert path.endswith(".abi3.so") or sys.implementation.name != "cpython"
        assert needed and not libvirt_entries, needed
        # Only the C library: what the manylinux tag setup.py gives allows.
        assert set(needed) <= {"libc.so.6", "libdl.so.2", "libpthread.so.0"}, needed
    else:
        assert "libvirt.so.0" in libvirt_entries, needed


# --- the loader ---------------------------------------------------------------------

def test_the_loader_resolves_what_libvirt_has_and_only_that(tmp_path):
    """The model as a libvirt 99.0 XML would give it: the build declares
    its newest function, which the loaded libvirt lacks."""
    _need_compiler()
    api = _mini()
    api.sources["libvirt"] = "99.0.0"
    module, path = _build(api, "_dl_mini", tmp_path)
    assert not [n for n in _needed(path) if "libvirt" in n]
    lib, ffi = module.lib, module.ffi
    assert lib.lvc_dl_open() == 0 and lib.lvc_dl_open() == 0     # once is enough
    assert hasattr(lib, "virStoragePoolGetFuture")      # declared, and NULL:
    # 99.0's, and one the fixture made up (no libvirt has it).
    assert sorted(_unresolved(module)) == ["virStoragePoolGetFuture",
                                           "virStoragePoolRestore"]
    # What was found is called as compiled C, through the loaded libvirt.
    conn = lib.virConnectOpen(b"test:///default")
    assert conn != ffi.NULL
    try:
        pool = lib.virStoragePoolLookupByName(conn, b"default-pool")
        assert ffi.string(lib.virStoragePoolGetName(pool)) == b"default-pool"
        lib.virStoragePoolFree(pool)
    finally:
        assert lib.virConnectClose(conn) == 0


def test_an_absent_optional_library_leaves_its_functions_unresolved(tmp_path):
    _need_compiler()
    api = copy.deepcopy(_mini())
    # One function moved into an optional library that is not installed.
    api.sources["libvirt-qemu"] = api.sources["libvirt"]
    api.functions["virStoragePoolGetXMLDesc"].module = "libvirt-qemu"
    sonames = dict(emit_cdef.SONAMES, **{"libvirt-qemu": "libvirt-cffi-absent.so.0"})
    module, _ = _build(api, "_dl_mini_optional", tmp_path, sonames)
    assert module.lib.lvc_dl_open() == 0
    assert "virStoragePoolGetXMLDesc" in _unresolved(module)
    assert "virStoragePoolGetName" not in _unresolved(module)


def test_without_libvirt_itself_the_loader_fails_and_names_it(tmp_path):
    _need_compiler()
    sonames = dict(emit_cdef.SONAMES, libvirt="libvirt-cffi-absent.so.0")
    module, _ = _build(_mini(), "_dl_mini_absent", tmp_path, sonames)
    assert module.lib.lvc_dl_open() == -1
    assert b"libvirt-cffi-absent.so.0" in module.ffi.string(module.lib.lvc_dl_error())


# --- the runtime never calls an unresolved pointer -----------------------------------

def test_an_unresolved_function_is_not_available(monkeypatch):
    """Every mode: function() gives the stand-in for a name the loader did
    not find, although the loaded libvirt's version has it."""
    name = "virConnectNumOfDomains"
    monkeypatch.setattr(_core, "unresolved", _core.unresolved | {name})
    monkeypatch.setitem(_core.bound, name, True)
    stand_in = _core.function("libvirt", name, (0, 0, 3))
    with pytest.raises(libvirt_cffi.FunctionNotAvailable,
                       match=r"virConnectNumOfDomains is not in the loaded libvirt "
                             r"\(libvirt\.so\.0"):
        stand_in(None)
    assert _core.bound[name] is False


def test_the_build_resolved_everything_the_loaded_libvirt_has(api):
    """The installed build against the libvirt it was built for: nothing
    left unresolved, every bound function callable."""
    if _core.MODE == "dlopen" and libvirt_cffi.RUNTIME_VERSION < libvirt_cffi.BUILT_FOR:
        # A build from a newer XML: only what came after the loaded release.
        newer = {name for name, function in api.functions.items()
                 if function.version is not None
                 and tuple(function.version) > libvirt_cffi.RUNTIME_VERSION}
        assert _core.unresolved and _core.unresolved <= newer, _core.unresolved - newer
    else:
        assert _core.unresolved == frozenset()      # always empty in the other modes
    assert libvirt_cffi.function_available("virConnectOpen")
    assert libvirt.open("test:///default").getLibVersion() == libvirt.getVersion()
