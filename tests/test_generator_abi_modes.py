"""API mode and ABI mode agree: the same generated cdef, compiled against
libvirt's headers (API mode) and taken as written (ABI mode), must give the
same struct sizes, field offsets, type sizes and constant values.

SLOW: builds the whole cdef in API mode with the C compiler (~3 s here).
Skipped without gcc, pkg-config or libvirt's headers.

What cffi API mode checks by itself (test_what_cffi_api_mode_checks, on a
tiny struct): a fully declared struct whose layout differs from the
compiler's raises ffi.error when first used (sizeof, new, offsetof), not
at build or import; a `#define NAME value` that differs raises on lib.NAME.
But an enum value that differs is taken silently from the compiler in API
mode (ABI mode keeps the cdef's), and a field or argument of another type
of the same size is at most a compiler warning. Hence the comparison
below, and the -Werror flags: a declaration whose types disagree with the
headers' then fails the build instead of warning.
"""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Appended, not prepended: the installed (built) libvirt package must win
# over the source tree's unbuilt one.
if ROOT not in sys.path:
    sys.path.append(ROOT)

import cffi  # noqa: E402

from generator import emit_cdef  # noqa: E402
from generator.annotate import annotate  # noqa: E402
from generator.model import parse_version  # noqa: E402
from generator.parse import load_api, macro_int_values  # noqa: E402

PACKAGES = ["libvirt", "libvirt-qemu", "libvirt-lxc", "libvirt-admin"]
# Type disagreements between the cdef and the headers become build errors
# (cffi's generated C assigns each field and argument in the cdef's type).
WERROR = ["-Werror=incompatible-pointer-types", "-Werror=pointer-sign",
          "-Werror=int-conversion", "-Werror=discarded-qualifiers"]


def _pkg_config(*args):
    out = subprocess.run(["pkg-config", *args], capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 else None


def _import(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_both(cdef, source, name, tmpdir, compile_args=(), link_args=(),
               api_cdef=""):
    """(API-mode module, ABI-mode module) of one cdef; `api_cdef` is added in
    API mode only (declarations whose value the compiler gives: NAME ...)."""
    api_ffi = cffi.FFI()
    api_ffi.cdef(cdef)
    if api_cdef:
        api_ffi.cdef(api_cdef)
    api_ffi.set_source(name + "_api", source, extra_compile_args=list(compile_args),
                       extra_link_args=list(link_args))
    api_path = api_ffi.compile(tmpdir=tmpdir, verbose=False)
    abi_ffi = cffi.FFI()
    abi_ffi.cdef(cdef)
    abi_ffi.set_source(name + "_abi", None)
    abi_path = abi_ffi.compile(tmpdir=tmpdir, verbose=False)
    return _import(name + "_api", api_path), _import(name + "_abi", abi_path)


# --- what each mode says ------------------------------------------------------

def _layout(ffi, ctype):
    """Size, alignment and every field (recursively: unions) of a type, or
    the error cffi raises for it (opaque, or a layout the compiler refutes)."""
    def fields(t, prefix, base):
        for name, field in (t.fields or []):
            ft = field.type
            out.append((prefix + name, base + field.offset, ffi.sizeof(ft),
                        ft.kind if ft.kind in ("struct", "union") else ft.cname))
            if ft.kind in ("struct", "union"):
                fields(ft, prefix + name + ".", base + field.offset)
    # The fields too: PyPy's cffi refutes a layout at their first use only.
    try:
        t = ffi.typeof(ctype)
        out = [("", ffi.sizeof(t), ffi.alignof(t), t.kind)]
        if t.kind in ("struct", "union"):
            fields(t, "", 0)
    except (ffi.error, TypeError) as e:
        return "error: %s" % (str(e).split(". fix it")[0] if "wrong" in str(e)
                              else type(e).__name__)
    return out


def _constant(lib, ffi, name):
    try:
        return getattr(lib, name)
    except ffi.error as e:      # API mode: the compiler disagrees with the cdef
        return "error: %s" % e
    except AttributeError:
        return "absent"


def compare_modes(api_mod, abi_mod, abi_lib, constants):
    """Every disagreement between the two modes, as text."""
    problems = []
    api_types, abi_types = api_mod.ffi.list_types(), abi_mod.ffi.list_types()
    for kind, api_names, abi_names in zip(("typedef", "struct", "union"),
                                          api_types, abi_types):
        if set(api_names) != set(abi_names):
            problems.append("%s names differ: %s" % (
                kind, sorted(set(api_names) ^ set(abi_names))))
        for name in sorted(set(api_names) & set(abi_names)):
            ctype = name if kind == "typedef" else "%s %s" % (kind, name)
            api_layout = _layout(api_mod.ffi, ctype)
            abi_layout = _layout(abi_mod.ffi, ctype)
            if api_layout != abi_layout:
                problems.append("%s: API mode %s, ABI mode %s"
                                % (ctype, api_layout, abi_layout))
    for name in sorted(constants):
        api_value = _constant(api_mod.lib, api_mod.ffi, name)
        abi_value = _constant(abi_lib, abi_mod.ffi, name)
        if api_value != abi_value:
            problems.append("%s: API mode (compiler) %s, ABI mode (cdef) %s"
                            % (name, api_value, abi_value))
    return problems


# --- cffi's own checks, on a tiny struct --------------------------------------

TINY_C = """
struct s { int a; char b; };
typedef enum { T1 = 5, T2 = 9 } te;
#define M 42
"""
# Deliberately wrong: field order, an enum value, a macro value.
TINY_WRONG_CDEF = """
struct s { char b; int a; };
typedef enum { T1 = 6, T2 = 9 } te;
#define M 43
"""


def _need_compiler():
    if shutil.which(os.environ.get("CC", "cc").split()[0]) is None \
            and shutil.which("gcc") is None:
        pytest.skip("no C compiler")


def test_what_cffi_api_mode_checks(tmp_path):
    _need_compiler()
    api_mod, abi_mod = build_both(TINY_WRONG_CDEF, TINY_C, "_abi_tiny", str(tmp_path))
    # Layout: refuted at first use of a field, not at build or import (the
    # size, 8 either way, is no use of one: PyPy's cffi does not check it).
    with pytest.raises(api_mod.ffi.error, match="wrong offset for field 'b'"):
        api_mod.ffi.offsetof("struct s", "b")
    # #define with a value: refuted on access.
    with pytest.raises(api_mod.ffi.error, match="'M' is equal to 42"):
        api_mod.lib.M
    # Enum values: API mode silently takes the compiler's, ABI mode the cdef's.
    abi_lib = abi_mod.ffi.dlopen(None)
    assert (api_mod.lib.T1, abi_lib.T1) == (5, 6)
    # The comparison reports all three.
    problems = "\n".join(compare_modes(api_mod, abi_mod, abi_lib, ["T1", "T2", "M"]))
    assert "struct s:" in problems and "T1:" in problems and "M:" in problems
    assert "T2:" not in problems


# --- the real cdef ---------------------------------------------------------------

@pytest.fixture(scope="module")
def modes(tmp_path_factory):
    """API- and ABI-mode modules of the generated cdef, and the model."""
    _need_compiler()
    cflags, libs = _pkg_config("--cflags", *PACKAGES), _pkg_config("--libs", *PACKAGES)
    if cflags is None or libs is None:
        pytest.skip("libvirt's headers not found (pkg-config %s)" % " ".join(PACKAGES))
    api = load_api()
    annotate(api)     # the cdef leaves out functions annotated unsupported
    # As the build does (build.target_version): what both XML and headers have.
    version = min(parse_version(api.sources["libvirt"]),
                  parse_version(_pkg_config("--modversion", "libvirt")[0]))
    # Integer macros are not in the cdef (the binding has them from the
    # model): ask the compiler for each, in API mode only.
    macros = {name: value for name, value in macro_int_values(api).items()
              if name not in api.enums and api.macros[name].module in emit_cdef.HEADERS}
    macro_cdef = "".join("#define %s ...\n" % name for name in sorted(macros))
    api_mod, abi_mod = build_both(
        emit_cdef.emit_cdef(api, version), emit_cdef.emit_set_source(api, version),
        "_abi_modes", str(tmp_path_factory.mktemp("abi-modes")),
        compile_args=cflags + ["-O0", "-Wno-deprecated-declarations"] + WERROR,
        link_args=["-Wl,--no-as-needed"] + libs, api_cdef=macro_cdef)
    abi_lib = abi_mod.ffi.dlopen(emit_cdef.SONAMES["libvirt"])
    return api, macros, api_mod, abi_mod, abi_lib


def test_modes_agree_on_layouts_and_enum_values(modes):
    api, _macros, api_mod, abi_mod, abi_lib = modes
    # Every enum value of the model must be in the cdef (as enum or #define).
    missing = sorted(set(api.enums) - set(dir(abi_lib)))
    assert not missing, "enum values not in the cdef: %s" % missing
    problems = compare_modes(api_mod, abi_mod, abi_lib, api.enums)
    assert not problems, "\n".join(problems)
    # Not vacuous: structs with fields were compared.
    assert len(abi_mod.ffi.list_types()[1]) > 20
    assert api_mod.ffi.sizeof("virTypedParameter") == abi_mod.ffi.sizeof("virTypedParameter")


def test_integer_macros_match_the_compiler(modes):
    _api, macros, api_mod, _abi_mod, _abi_lib = modes
    wrong = {name: (value, getattr(api_mod.lib, name))
             for name, value in sorted(macros.items())
             if getattr(api_mod.lib, name) != value}
    assert not wrong, "model value, compiler value: %s" % wrong
    assert len(macros) > 10 and api_mod.lib.VIR_UUID_BUFLEN == 16


# --- dlopen mode: the model's types compiled as C, against the headers' ----------

@pytest.fixture(scope="module")
def dlopen_mod(modes, tmp_path_factory):
    """The dlopen-mode module of the same model (its C source declares the
    types from the model, not from libvirt's headers)."""
    from generator import build
    api = modes[0]
    version = build.target_version(api, "dlopen")
    ffi = cffi.FFI()
    ffi.cdef(emit_cdef.emit_cdef(api, version))
    build.dlopen_source(ffi, api, version, module="_abi_modes_dlopen")
    path = ffi.compile(tmpdir=str(tmp_path_factory.mktemp("dlopen-mode")), verbose=False)
    return _import("_abi_modes_dlopen", path)


def test_dlopen_mode_agrees_with_api_mode(modes, dlopen_mod):
    api, _macros, api_mod, _abi_mod, _abi_lib = modes
    # The compiler's layouts and enum values of the model's C against those
    # of libvirt's headers.
    problems = compare_modes(api_mod, dlopen_mod, dlopen_mod.lib, api.enums)
    assert not problems, "\n".join(problems)
    assert len(dlopen_mod.ffi.list_types()[1]) > 20
    assert dlopen_mod.lib.lvc_dl_open() == 0
