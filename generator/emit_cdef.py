"""Model -> cffi cdef (one for both modes) and the API-mode set_source."""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Set, Tuple

from .annotate import declarable_types, unknown_types
from .model import Api, Field, Version
from .parse import macro_int_values

# The headers and libraries of each API module.
HEADERS = {"libvirt": "libvirt/libvirt.h", "virterror": "libvirt/virterror.h",
           "libvirt-qemu": "libvirt/libvirt-qemu.h",
           "libvirt-lxc": "libvirt/libvirt-lxc.h",
           "libvirt-admin": "libvirt/libvirt-admin.h"}
PKG_CONFIG_PACKAGES = {"libvirt": "libvirt", "libvirt-qemu": "libvirt-qemu",
                       "libvirt-lxc": "libvirt-lxc", "libvirt-admin": "libvirt-admin"}
SONAMES = {"libvirt": "libvirt.so.0", "libvirt-qemu": "libvirt-qemu.so.0",
           "libvirt-lxc": "libvirt-lxc.so.0", "libvirt-admin": "libvirt-admin.so.0"}

# Functions the binding itself needs from the C library beneath libvirt.
LIBC = ["void free(void *ptr);", "char *strdup(const char *s);"]


def declared_functions(api: Api, version: Version) -> List[str]:
    """Names of the functions the cdef declares: every libvirt function the
    library at `version` has (newer ones are reported at call time)."""
    return sorted(f.name for f in api.functions.values()
                  if f.file != "python" and f.version <= version
                  and f.module in HEADERS
                  and not (f.binding and f.binding.status == "unsupported"))


def emit_types(api: Api) -> List[str]:
    """The type declarations (handles, enums, typedefs, callback types,
    struct layouts), valid as both cffi cdef and C: the cdef of every mode
    and dlopen mode's C source (which has no libvirt headers) share them."""
    macros = macro_int_values(api)
    known = declarable_types(api)
    out: List[str] = ["\n/* handles and structs */"]
    for name in sorted(api.structs):
        struct = api.structs[name]
        out.append("typedef struct %s %s;" % (struct.tag, name))

    out.append("\n/* enums */")
    out.extend(_enums(api))

    out.append("\n/* type aliases */")
    for name in sorted(api.typedefs):
        typedef = api.typedefs[name]
        if typedef.type != "enum" and name in known:
            out.append("typedef %s;" % _declarator(typedef.type, name))

    out.append("\n/* callback types */")
    for name in _callbacks_in_dependency_order(api):
        if name not in known:
            continue
        cb = api.callbacks[name]
        out.append("typedef %s (*%s)(%s);" % (cb.ret.type, name, _params(cb.args)))

    out.append("\n/* struct layouts */")
    done: Set[str] = set()
    for name in sorted(api.structs):
        struct = api.structs[name]
        if struct.fields is None or struct.tag in done \
                or unknown_types(api, _field_types(struct.fields), known):
            continue    # opaque to cffi when a field's type is unknown
        done.add(struct.tag)
        out.append("struct %s {" % struct.tag)
        for field in struct.fields:
            out.append("    %s;" % _field(field, macros))
        out.append("};")
    return out


def declared_variables(api: Api) -> List[str]:
    """Names of the variables the cdef declares (those of a known type)."""
    known = declarable_types(api)
    return [name for name in sorted(api.variables)
            if not unknown_types(api, [api.variables[name].type], known)]


def emit_cdef(api: Api, version: Version) -> str:
    out: List[str] = ["/* libvirt's API as cffi declarations, generated from "
                      "its API XML (libvirt %s). */" % api.sources.get("libvirt", "?")]
    out.extend(emit_types(api))

    out.append("\n/* functions */")
    for name in declared_functions(api, version):
        function = api.functions[name]
        out.append("%s %s(%s);" % (function.ret.type, name, _params(function.args)))

    out.append("\n/* variables */")
    for name in declared_variables(api):
        out.append("extern %s;" % _declarator(api.variables[name].type, name))
    out.append("\n/* from the C library */")
    out.extend(LIBC)
    return "\n".join(out) + "\n"


def _enums(api: Api) -> Iterable[str]:
    grouped = api.enum_types()
    for name in sorted(api.typedefs):
        if api.typedefs[name].type != "enum":
            continue
        values = sorted(grouped.get(name, []), key=lambda v: (v.value, v.name))
        if not values:
            yield "typedef int %s;" % name
            continue
        body = ", ".join("%s = %d" % (v.name, v.value) for v in values)
        yield "typedef enum { %s } %s;" % (body, name)
    # Values whose enum type is not itself declared as a typedef.
    orphans = sorted(v.name for v in api.enums.values()
                     if api.typedefs.get(v.enum) is None)
    for name in orphans:
        yield "#define %s %d" % (name, api.enums[name].value)


def _callbacks_in_dependency_order(api: Api) -> List[str]:
    """Callback types that take other callback types come after those."""
    ordered: List[str] = []
    remaining = sorted(api.callbacks)
    while remaining:
        for name in remaining:
            uses = {a.type for a in api.callbacks[name].args} & set(remaining)
            if not uses - {name}:
                ordered.append(name)
                remaining.remove(name)
                break
        else:
            raise ValueError("callback types refer to each other: %s" % remaining)
    return ordered


def _field_types(fields) -> List[str]:
    types = []
    for field in fields:
        if field.union is not None:
            types.extend(_field_types(field.union))
        else:
            types.append(re.sub(r"\s*\w+\[\w+\]$", "", field.type))
    return types


def _params(args) -> str:
    if not args:
        return "void"
    return ", ".join(_declarator(a.type, a.name) for a in args)


def _declarator(ctype: str, name: str) -> str:
    ctype = ctype.strip()
    if ctype.endswith("*"):
        return "%s%s" % (ctype, name)
    return "%s %s" % (ctype, name)


def _field(field: Field, macros: Dict[str, int]) -> str:
    if field.union is not None:
        members = " ".join("%s;" % _field(m, macros) for m in field.union)
        return "union { %s } %s" % (members, field.name)
    match = re.match(r"^(.*?)\s*(\w+)\[(\w+)\]$", field.type)
    if match:
        ctype, name, size = match.groups()
        size = str(macros.get(size, size))
        return "%s %s[%s]" % (ctype, name, size)
    return _declarator(field.type, field.name)


# API mode's own helpers (not libvirt's API): one destructor per class, for
# ffi.gc. A libvirt free resets the calling thread's last error, and the
# garbage collector may run a destructor between a failing call and the
# reading of its error; so while the thread holds an error, frees wait in a
# list that the next free made without one performs.
RELEASE_SOURCE = r"""
#include <pthread.h>

typedef int (*lvc_free_function)(void *);
struct lvc_pending {
    lvc_free_function free;
    void *handle;
    struct lvc_pending *next;
};
static struct lvc_pending *lvc_pending_frees;
static pthread_mutex_t lvc_pending_lock = PTHREAD_MUTEX_INITIALIZER;

static void lvc_release(lvc_free_function free_function, void *handle)
{
    struct lvc_pending *pending;
    if (virGetLastError() != NULL) {
        pending = malloc(sizeof(*pending));
        if (pending != NULL) {
            pending->free = free_function;
            pending->handle = handle;
            pthread_mutex_lock(&lvc_pending_lock);
            pending->next = lvc_pending_frees;
            lvc_pending_frees = pending;
            pthread_mutex_unlock(&lvc_pending_lock);
            return;
        }
    }
    free_function(handle);
    if (lvc_pending_frees == NULL)
        return;
    pthread_mutex_lock(&lvc_pending_lock);
    pending = lvc_pending_frees;
    lvc_pending_frees = NULL;
    pthread_mutex_unlock(&lvc_pending_lock);
    while (pending != NULL) {
        struct lvc_pending *next = pending->next;
        pending->free(pending->handle);
        free(pending);
        pending = next;
    }
}
"""


def release_functions(api: Api) -> List[Tuple[str, str]]:
    """(class, its libvirt free function) for every class with one; none
    for a model without virGetLastError (a test's), which lvc_release needs."""
    if "virGetLastError" not in api.functions:
        return []
    return [(cls.name, cls.free) for cls in api.classes.values() if cls.free]


def emit_release_cdef(api: Api) -> str:
    return "".join("void lvc_release_%s(%sPtr handle);\n" % (cls, cls)
                   for cls, _ in release_functions(api))


def emit_release_source(api: Api) -> str:
    if not release_functions(api):
        return ""
    lines = [RELEASE_SOURCE]
    for cls, free in release_functions(api):
        lines.append("void lvc_release_%s(%sPtr handle)\n{\n"
                     "    lvc_release((lvc_free_function)%s, handle);\n}\n"
                     % (cls, cls, free))
    return "\n".join(lines)


def emit_callback_cdef(api: Api) -> str:
    """API mode: one `extern "Python"` trampoline per libvirt callback type,
    lvc_cb_<type>, which libvirt/_callbacks.py attaches a Python function to
    (no libffi closure per registration)."""
    known = declarable_types(api)
    lines = []
    for name in _callbacks_in_dependency_order(api):
        if name in known:
            cb = api.callbacks[name]
            lines.append('extern "Python" %s lvc_cb_%s(%s);'
                         % (cb.ret.type, name, _params(cb.args)))
    return "\n".join(lines) + "\n"


def emit_set_source(api: Api, version: Version) -> str:
    """The C source cffi compiles in API mode: libvirt's own headers, so the
    compiler checks every declaration above against them.

    Every function is declared weak, so a libvirt.so older than the headers
    still loads; the Python layer refuses calls to what it lacks."""
    lines = ["#define VIR_ENUM_SENTINELS 1"]
    lines += ["#include <%s>" % HEADERS[m] for m in sorted(HEADERS)
              if m in api.sources or m == "virterror"]
    lines.append("#include <stdlib.h>")
    for name in declared_functions(api, version):
        lines.append("#pragma weak %s" % name)
    lines.append(emit_release_source(api))
    return "\n".join(lines) + "\n"


# --- dlopen mode: no libvirt headers, no -lvirt ----------------------------------

# dlopen mode's loader, declared in the cdef.
LOADER_CDEF = """
int lvc_dl_open(void);
const char *lvc_dl_error(void);
const char *lvc_dl_unresolved(size_t index);
"""

# The loader. RTLD_NOW: a library's own unresolvable dependencies fail here,
# not in the middle of a later call. RTLD_LOCAL: symbols are only reached by
# dlsym on each handle (libvirt-qemu.so.0 finds libvirt.so.0 through its
# own NEEDED entry), so nothing is put into the process's global namespace,
# as for any extension module. Handles are never closed: the pointers stay
# valid for the life of the process.
LOADER_SYMBOL = r"""
struct lvc_symbol {
    const char *name;
    unsigned char library;      /* index into lvc_sonames */
    void **slot;
};"""
LOADER_SOURCE = r"""
static void *lvc_handles[LVC_LIBRARIES];
static unsigned char lvc_found[LVC_SYMBOLS];
static char lvc_error[512];
static int lvc_opened;

/* 0, or -1 when lvc_sonames[0] (libvirt itself) cannot be opened; an
   optional library that is absent leaves its symbols unresolved. Called
   once, under the import lock. */
int lvc_dl_open(void)
{
    size_t i;
    if (lvc_opened)
        return lvc_handles[0] != NULL ? 0 : -1;
    lvc_opened = 1;
    for (i = 0; i < LVC_LIBRARIES; i++) {
        lvc_handles[i] = dlopen(lvc_sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (lvc_handles[i] == NULL && i == 0) {
            const char *why = dlerror();
            strncpy(lvc_error, why != NULL ? why : lvc_sonames[0],
                    sizeof(lvc_error) - 1);
            return -1;
        }
    }
    for (i = 0; i < LVC_SYMBOLS; i++) {
        void *handle = lvc_handles[lvc_symbols[i].library];
        void *address = handle != NULL ? dlsym(handle, lvc_symbols[i].name) : NULL;
        if (address != NULL) {
            *lvc_symbols[i].slot = address;
            lvc_found[i] = 1;
        }
    }
    return 0;
}

const char *lvc_dl_error(void)
{
    return lvc_error;
}

/* The name of the index-th symbol left unresolved, NULL past the last. */
const char *lvc_dl_unresolved(size_t index)
{
    size_t i;
    for (i = 0; i < LVC_SYMBOLS; i++)
        if (!lvc_found[i] && index-- == 0)
            return lvc_symbols[i].name;
    return NULL;
}
"""


def _library_of(module: str) -> str:
    return "libvirt" if module not in SONAMES else module


def emit_dlopen_source(api: Api, version: Version,
                       sonames: Dict[str, str] = SONAMES) -> str:
    """The C source cffi compiles in dlopen mode, made from the model alone.

    Every function is a pointer the loader fills with dlsym; a macro of the
    function's name makes cffi's generated calls go through it (a C call,
    not a libffi one). A variable is a pointer to it, aimed at a zeroed
    stand-in until the loader finds the real one."""
    libraries = [m for m in sorted(sonames) if m in api.sources or m == "libvirt"]
    libraries.remove("libvirt")
    libraries.insert(0, "libvirt")      # lvc_dl_open requires the first
    lines = ["/* dlopen mode: libvirt's types from its API XML (libvirt %s); "
             "functions found at run time. */" % api.sources.get("libvirt", "?"),
             "#include <stdlib.h>", "#include <string.h>", "#include <dlfcn.h>"]
    lines.extend(emit_types(api))
    lines.append("\n/* functions and variables, filled by lvc_dl_open */")
    symbols = []
    for name in declared_functions(api, version):
        function = api.functions[name]
        lines.append("static %s (*lvc_fp_%s)(%s);"
                     % (function.ret.type, name, _params(function.args)))
        lines.append("#define %s (*lvc_fp_%s)" % (name, name))
        symbols.append((name, _library_of(function.module), "lvc_fp_" + name))
    for name in declared_variables(api):
        variable = api.variables[name]
        lines.append("static %s;" % _declarator(variable.type, "lvc_vz_" + name))
        lines.append("static %s = &lvc_vz_%s;"
                     % (_declarator(variable.type + " *", "lvc_vp_" + name), name))
        lines.append("#define %s (*lvc_vp_%s)" % (name, name))
        symbols.append((name, _library_of(variable.module), "lvc_vp_" + name))
    lines.append("\n#define LVC_LIBRARIES %d" % len(libraries))
    lines.append("#define LVC_SYMBOLS %d" % len(symbols))
    lines.append("static const char *const lvc_sonames[LVC_LIBRARIES] = {%s};"
                 % ", ".join('"%s"' % sonames[m] for m in libraries))
    lines.append(LOADER_SYMBOL)
    lines.append("static const struct lvc_symbol lvc_symbols[LVC_SYMBOLS] = {")
    lines.extend('    {"%s", %d, (void **)&%s},' % (name, libraries.index(lib), slot)
                 for name, lib, slot in symbols)
    lines.append("};")
    lines.append(LOADER_SOURCE)
    lines.append(emit_release_source(api))
    return "\n".join(lines) + "\n"
