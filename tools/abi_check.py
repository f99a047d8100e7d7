#!/usr/bin/env python3
"""Compare the model (libvirt's API XML, as generator.parse reads it) with
libvirt's installed C headers, symbol by symbol.

    python3 tools/abi_check.py [--api-dir DIR]

The headers are preprocessed with `gcc -E -P -nostdinc` (a fake
sys/types.h stands in for the system's: the headers need nothing else) and
parsed with pycparser; macros come from `gcc -dM -E` and are evaluated by
expanding them with gcc. Types are compared after normalising spelling
(pointer typedefs such as virDomainPtr are expanded, qualifier order and
integer spellings made canonical, array parameters decay to pointers).

Checked: every function's return and parameter types, every callback type's
signature, every struct's fields (names, types, order, array sizes), every
typedef, every enum value (and the enum type it belongs to), every macro
(integer and string values; parameters and body of function-like ones),
the variables; and every symbol found on one side only. Known, explained
mismatches (KNOWN below) are reported apart. Exit status: 1 when there is
any other mismatch, 2 when gcc, pkg-config or the headers are missing.

Needs gcc, pkg-config, pycparser and lxml; run from anywhere.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    # Appended: an installed libvirt package must not be shadowed (and the
    # generator package does not depend on it).
    sys.path.append(ROOT)

from pycparser import c_ast, c_parser  # noqa: E402

HEADERS = ["libvirt/libvirt.h", "libvirt/virterror.h", "libvirt/libvirt-qemu.h",
           "libvirt/libvirt-lxc.h", "libvirt/libvirt-admin.h"]
PKG_CONFIG_PACKAGES = ["libvirt", "libvirt-qemu", "libvirt-lxc", "libvirt-admin"]

# All the headers take from the system. Sizes do not matter here (only
# spelling is compared), the names must parse.
FAKE_SYS_TYPES = """\
typedef unsigned long size_t;
typedef long ssize_t;
typedef long off_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
"""
FAKE_TYPEDEFS = {"size_t", "ssize_t", "off_t", "pid_t", "uid_t", "gid_t"}

# VIR_ENUM_SENTINELS: the XML lists the *_LAST values, and API mode
# compiles with it (emit_cdef.emit_set_source). The rest drop GNU syntax
# pycparser cannot read, should a header use it.
DEFINES = ["-DVIR_ENUM_SENTINELS", "-DVIR_DEPRECATED=", "-D__attribute__(x)=",
           "-D__extension__=", "-D__restrict=", "-D__inline=inline"]

# Header macros that are not API symbols: include guards and the headers'
# own machinery (and what DEFINES set).
NOT_API_MACROS = re.compile(
    r"^(LIBVIRT_\w*_?H|__\w+|VIR_DEPRECATED|VIR_EXPORT_VAR|VIR_ENUM_SENTINELS)$")

# Known differences between libvirt's XML and its headers, each explained:
# (kind, symbol, aspect) -> why. Only these may remain; see report().
_EMPTY_RAW = ("libvirt's apibuild.py wrote raw='' for this function-like macro "
              "(others, e.g. VIR_SECRET_EVENT_CALLBACK, keep their body); "
              "harmless here: the cdef and the binding use no function-like macro")
KNOWN: Dict[Tuple[str, str, str], str] = {
    ("macro", "VIR_CPU_MAPLEN", "body"): _EMPTY_RAW,
    ("macro", "VIR_DOMAIN_EVENT_CALLBACK", "body"): _EMPTY_RAW,
    ("macro", "VIR_NETWORK_EVENT_CALLBACK", "body"): _EMPTY_RAW,
    ("macro", "VIR_NODEINFO_MAXCPUS", "body"): _EMPTY_RAW,
}


@dataclass(frozen=True)
class Mismatch:
    kind: str        # function, callback, struct, typedef, enum, macro, variable
    symbol: str
    aspect: str      # what differs: 'return', 'arg 2', 'field 3', 'value', 'kind', ...
    model: str       # the model's (XML's) side, '' if absent
    header: str      # the headers' side, '' if absent

    @property
    def key(self) -> Tuple[str, str, str]:
        return (self.kind, self.symbol, self.aspect)

    def __str__(self) -> str:
        return "%s %s: %s: XML %s, headers %s" % (
            self.kind, self.symbol, self.aspect,
            self.model or "(none)", self.header or "(none)")


# --- running gcc -------------------------------------------------------------

class ToolMissing(RuntimeError):
    """gcc, pkg-config or libvirt's headers are not there."""


def _pkg_config(*args: str) -> str:
    if shutil.which("pkg-config") is None:
        raise ToolMissing("pkg-config not found")
    out = subprocess.run(["pkg-config", *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise ToolMissing("pkg-config %s: %s" % (" ".join(args), out.stderr.strip()))
    return out.stdout.strip()


def header_cflags() -> List[str]:
    """pkg-config's cflags plus libvirt's include dir, which -nostdinc would
    otherwise drop (pkg-config omits /usr/include)."""
    packages = [p for p in PKG_CONFIG_PACKAGES
                if subprocess.run(["pkg-config", "--exists", p]).returncode == 0] \
        if shutil.which("pkg-config") else []
    if "libvirt" not in packages:
        raise ToolMissing("libvirt's headers not found (pkg-config libvirt)")
    flags = _pkg_config("--cflags", *packages).split()
    return flags + ["-I" + _pkg_config("--variable=includedir", "libvirt")]


def _gcc(args: List[str], workdir: str) -> str:
    if shutil.which("gcc") is None:
        raise ToolMissing("gcc not found")
    out = subprocess.run(["gcc", *args], capture_output=True, text=True, cwd=workdir)
    if out.returncode != 0:
        raise RuntimeError("gcc %s failed:\n%s" % (" ".join(args), out.stderr))
    return out.stdout


@dataclass
class Preprocessed:
    text: str                          # the headers, preprocessed
    macros: Dict[str, Tuple[Optional[str], str]]  # name -> (params, body)
    expansions: Dict[str, str]         # name -> the parameterless macro expanded


MARKER = "int __abi_check_marker__;"


def preprocess(workdir: str) -> Preprocessed:
    """Run gcc over the headers in `workdir` (a fresh temporary directory)."""
    fake = os.path.join(workdir, "fake-include")
    os.makedirs(os.path.join(fake, "sys"), exist_ok=True)
    with open(os.path.join(fake, "sys", "types.h"), "w") as f:
        f.write(FAKE_SYS_TYPES)
    flags = ["-nostdinc", "-I" + fake] + header_cflags() + DEFINES
    includes = "".join("#include <%s>\n" % h for h in HEADERS)
    with open(os.path.join(workdir, "all.h"), "w") as f:
        f.write(includes)
    with open(os.path.join(workdir, "empty.h"), "w") as f:
        f.write("")
    predefined = set(_parse_defines(_gcc(["-dM", "-E"] + flags + ["empty.h"], workdir)))
    macros = {name: value for name, value in
              _parse_defines(_gcc(["-dM", "-E"] + flags + ["all.h"], workdir)).items()
              if name not in predefined}
    # Expand each parameterless macro after the headers, by gcc itself.
    names = sorted(n for n, (params, body) in macros.items()
                   if params is None and body and not NOT_API_MACROS.match(n))
    with open(os.path.join(workdir, "expand.h"), "w") as f:
        f.write(includes + MARKER + "\n")
        for name in names:
            # The name in a string literal, which gcc does not expand.
            f.write('__abi_check_macro__ "%s" = %s\n' % (name, name))
    text = _gcc(["-E", "-P"] + flags + ["expand.h"], workdir)
    headers, _, tail = text.partition(MARKER)
    expansions = {}
    for line in tail.splitlines():
        match = re.match(r'__abi_check_macro__ "(\w+)" = (.*)$', line)
        if match:
            expansions[match.group(1)] = match.group(2).strip()
    return Preprocessed(headers, macros, expansions)


def _parse_defines(text: str) -> Dict[str, Tuple[Optional[str], str]]:
    macros = {}
    for line in text.splitlines():
        match = re.match(r"#define (\w+)(\(([^)]*)\))? ?(.*)$", line)
        if match:
            params = match.group(3)
            if params is not None:
                params = ",".join(p.strip() for p in params.split(","))
            macros[match.group(1)] = (params, match.group(4).strip())
    return macros


# --- evaluating C constant expressions -----------------------------------

_INT_RE = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)[uUlL]*$")


def c_int(text: str) -> Optional[int]:
    match = _INT_RE.match(text.strip())
    if not match:
        return None
    digits = match.group(1)
    if digits.lower().startswith("0x"):
        return int(digits, 16)
    if digits.startswith("0") and len(digits) > 1:
        return int(digits, 8)
    return int(digits)


def _c_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)      # C truncates toward zero
    return q if (a >= 0) == (b >= 0) else -q


_BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": _c_div, "%": lambda a, b: a - _c_div(a, b) * b,
    "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b,
    "|": lambda a, b: a | b, "&": lambda a, b: a & b, "^": lambda a, b: a ^ b,
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b), ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b), ">=": lambda a, b: int(a >= b),
    "&&": lambda a, b: int(bool(a and b)), "||": lambda a, b: int(bool(a or b)),
}
_UNARY = {"-": lambda a: -a, "+": lambda a: a, "~": lambda a: ~a,
          "!": lambda a: int(not a)}


def evaluate(node, env: Dict[str, int]):
    """An int, a str (string literal), or None when not a constant."""
    if isinstance(node, c_ast.Constant):
        if node.type == "string":
            return _c_string(node.value)
        if node.type == "char":
            return ord(_c_string(node.value))
        return c_int(node.value)
    if isinstance(node, c_ast.ID):
        return env.get(node.name)
    if isinstance(node, c_ast.Cast):
        return evaluate(node.expr, env)
    if isinstance(node, c_ast.UnaryOp) and node.op in _UNARY:
        value = evaluate(node.expr, env)
        return _UNARY[node.op](value) if isinstance(value, int) else None
    if isinstance(node, c_ast.BinaryOp) and node.op in _BINARY:
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if isinstance(left, int) and isinstance(right, int):
            return _BINARY[node.op](left, right)
        return None
    if isinstance(node, c_ast.TernaryOp):
        cond = evaluate(node.cond, env)
        if isinstance(cond, int):
            return evaluate(node.iftrue if cond else node.iffalse, env)
    return None


def _c_string(literal: str) -> str:
    body = literal[1:-1]
    return body.encode("latin-1", "backslashreplace").decode("unicode_escape")


def parse_expressions(texts: List[str], typedefs=()) -> list:
    """pycparser nodes of C expressions (None where one does not parse), in
    one parse: the typedef names (for casts) cost too much to repeat."""
    prelude = "".join("typedef int %s;\n" % t for t in typedefs)
    body = "".join("int __x%d = (%s);\n" % (i, t) for i, t in enumerate(texts))
    try:
        ast = c_parser.CParser().parse(prelude + body)
        return [d.init for d in ast.ext[len(ast.ext) - len(texts):]]
    except Exception:       # pycparser's ParseError, or worse on odd input
        if len(texts) == 1:
            return [None]
        return [parse_expressions([t], typedefs)[0] for t in texts]


def parse_expression(text: str, typedefs=()):
    return parse_expressions([text], typedefs)[0]


# --- canonical types ---------------------------------------------------------
# A type is a tuple:
#   ('base', quals, name)    name: 'int', 'unsigned long long', 'virDomain', 'struct _x'
#   ('ptr', quals, inner)    ('array', size, inner)
#   ('func', ret, params, variadic)    ('union', quals, ((name, type), ...))

_INTEGER_WORDS = {"signed", "unsigned", "short", "long", "int", "char"}


def _base_name(names: List[str]) -> str:
    words = list(names)
    if not words or not set(words) <= _INTEGER_WORDS:
        if words.count("long") == 1 and "double" in words:
            return "long double"
        return " ".join(words)
    sign = "unsigned " if "unsigned" in words else ""
    if "char" in words:
        return ("signed " if "signed" in words else sign) + "char"
    if "short" in words:
        return sign + "short"
    return sign + {0: "int", 1: "long", 2: "long long"}[words.count("long")]


class Canon:
    """Canonical types of one side (headers or model), resolving that side's
    pointer typedefs; `typedefs` maps a name to its pycparser type node."""

    def __init__(self, typedefs: Dict[str, object], env: Dict[str, int]):
        self.typedefs = typedefs
        self.env = env
        self._resolved: Dict[str, tuple] = {}

    def typedef_target(self, name: str) -> Optional[tuple]:
        if name not in self._resolved:
            self._resolved[name] = None      # a cycle stays unresolved
            node = self.typedefs.get(name)
            self._resolved[name] = self.of(node) if node is not None else None
        return self._resolved[name]

    def of(self, node, param: bool = False) -> tuple:
        if isinstance(node, c_ast.TypeDecl):
            quals = tuple(sorted(set(node.quals)))
            inner = node.type
            if isinstance(inner, c_ast.IdentifierType):
                name = _base_name(inner.names)
                target = self.typedef_target(name) if len(inner.names) == 1 else None
                # Pointer typedefs (virDomainPtr) are spellings of 'virDomain *';
                # callback (function pointer) typedefs stay names.
                if target and target[0] == "ptr" and target[2][0] != "func":
                    return ("ptr", tuple(sorted(set(target[1]) | set(quals))), target[2])
                return ("base", quals, name)
            if isinstance(inner, (c_ast.Struct, c_ast.Union)) and inner.decls is not None:
                kind = "union" if isinstance(inner, c_ast.Union) else "struct-body"
                return (kind, quals, tuple((d.name, self.of(d.type)) for d in inner.decls))
            if isinstance(inner, (c_ast.Struct, c_ast.Union)):
                kind = "struct" if isinstance(inner, c_ast.Struct) else "union"
                return ("base", quals, "%s %s" % (kind, inner.name))
            if isinstance(inner, c_ast.Enum):
                return ("base", quals, "enum %s" % inner.name if inner.name else "enum")
        if isinstance(node, c_ast.PtrDecl):
            return ("ptr", tuple(sorted(set(node.quals))), self.of(node.type))
        if isinstance(node, c_ast.ArrayDecl):
            inner = self.of(node.type)
            if param:       # C: an array parameter is a pointer
                return ("ptr", tuple(sorted(set(node.dim_quals or []))), inner)
            size = evaluate(node.dim, self.env) if node.dim is not None else None
            return ("array", size, inner)
        if isinstance(node, c_ast.FuncDecl):
            func = self.function(node)
            return ("ptr", (), func) if param else func
        raise ValueError("unexpected type node %r" % (node,))

    def function(self, node: c_ast.FuncDecl) -> tuple:
        params, variadic = [], False
        for p in (node.args.params if node.args else []):
            if isinstance(p, c_ast.EllipsisParam):
                variadic = True
                continue
            t = self.of(p.type, param=True)
            if t == ("base", (), "void") and not p.name:
                continue    # f(void)
            params.append(t)
        return ("func", self.of(node.type), tuple(params), variadic)


def render(t) -> str:
    if t is None:
        return "?"
    kind = t[0]
    if kind == "base":
        return " ".join(t[1] + (t[2],))
    if kind == "ptr":
        inner = render(t[2])
        text = inner + ("*" if inner.endswith("*") else " *")
        return text + "".join(" " + q for q in t[1])
    if kind == "array":
        return "%s [%s]" % (render(t[2]), "?" if t[1] is None else t[1])
    if kind == "func":
        params = [render(p) for p in t[2]] + (["..."] if t[3] else [])
        return "%s (%s)" % (render(t[1]), ", ".join(params) or "void")
    if kind in ("union", "struct-body"):
        return "%s%s { %s }" % ("".join(q + " " for q in t[1]), kind.split("-")[0],
                                " ".join("%s %s;" % (render(ft), n) for n, ft in t[2]))
    return repr(t)


# --- one side: what a set of declarations says -------------------------------

@dataclass
class Side:
    """Every symbol as one side states it, in canonical form."""
    functions: Dict[str, tuple]
    callbacks: Dict[str, tuple]
    structs: Dict[str, Tuple[str, Optional[List[Tuple[str, tuple]]]]]  # name -> (tag, fields)
    typedefs: Dict[str, tuple]       # non-struct, non-callback: ('enum',) or a type
    enums: Dict[str, Tuple[str, Optional[int]]]   # value name -> (enum type, value)
    macros: Dict[str, Tuple[Optional[str], object]]  # name -> (params, value)
    variables: Dict[str, tuple]


def header_side(pre: Preprocessed) -> Side:
    ast = c_parser.CParser().parse(pre.text, "libvirt-headers")
    typedef_nodes = {e.name: e.type for e in ast.ext if isinstance(e, c_ast.Typedef)}
    env: Dict[str, int] = {}
    enums: Dict[str, Tuple[str, Optional[int]]] = {}

    def take_enum(enum: c_ast.Enum, type_name: str) -> None:
        value: Optional[int] = -1
        for e in enum.values.enumerators:
            if e.value is not None:
                value = evaluate(e.value, env)
            elif value is not None:
                value += 1
            if value is not None:
                env[e.name] = value
            enums[e.name] = (type_name, value)

    canon = Canon(typedef_nodes, env)
    functions, callbacks, typedefs, variables = {}, {}, {}, {}
    structs: Dict[str, Tuple[str, Optional[list]]] = {}
    bodies: Dict[str, list] = {}
    for e in ast.ext:
        inner = getattr(e.type, "type", None)
        if isinstance(inner, c_ast.Enum) and inner.values is not None:
            take_enum(inner, e.name if isinstance(e, c_ast.Typedef) else inner.name or "")
        if isinstance(e, c_ast.Decl) and isinstance(e.type, c_ast.Struct):
            if e.type.decls is not None:
                bodies[e.type.name] = [(d.name, canon.of(d.type)) for d in e.type.decls]
            continue
        if isinstance(e, c_ast.Typedef):
            if e.name in FAKE_TYPEDEFS:
                continue
            if isinstance(inner, c_ast.Struct):
                structs[e.name] = (inner.name, None)
            elif isinstance(inner, c_ast.Enum):
                typedefs[e.name] = ("enum",)
            elif isinstance(e.type, c_ast.PtrDecl) and isinstance(e.type.type, c_ast.FuncDecl):
                callbacks[e.name] = canon.function(e.type.type)
            else:
                typedefs[e.name] = canon.of(e.type)
        elif isinstance(e, c_ast.Decl) and isinstance(e.type, c_ast.FuncDecl):
            functions[e.name] = canon.function(e.type)
        elif isinstance(e, c_ast.Decl) and e.name:
            variables[e.name] = canon.of(e.type)
    for name, (tag, _) in structs.items():
        structs[name] = (tag, bodies.get(tag))

    macros: Dict[str, Tuple[Optional[str], object]] = {}
    plain = []
    for name, (params, body) in sorted(pre.macros.items()):
        if NOT_API_MACROS.match(name):
            continue
        if params is not None:
            macros[name] = (params, re.sub(r"\s+", "", body))
        else:
            plain.append((name, pre.expansions.get(name, body)))
    exprs = parse_expressions([text or "0" for _, text in plain], typedef_nodes)
    for (name, text), expr in zip(plain, exprs):
        value = evaluate(expr, env) if expr is not None and text else None
        macros[name] = (None, value if value is not None else text)
    return Side(functions, callbacks, structs, typedefs, enums, macros, variables)


_C_WORDS = {"const", "volatile", "restrict", "signed", "unsigned", "char", "short",
            "int", "long", "float", "double", "void", "_Bool", "struct", "union", "enum"}
_ARRAY_FIELD = re.compile(r"^(.*?)\s*(\w+)\[(\w+)\]$")


def _parse_types(strings) -> Dict[str, object]:
    """The model's C type strings -> pycparser type nodes (None: unparsable).
    Every other word in them is declared a typedef name so that it parses."""
    strings = sorted(set(strings))
    names = set()
    for s in strings:
        words = re.findall(r"[A-Za-z_]\w*", s)
        for i, w in enumerate(words):
            if w not in _C_WORDS and not (i and words[i - 1] in ("struct", "union", "enum")):
                names.add(w)
    prelude = "".join("typedef int %s;\n" % n for n in sorted(names))
    parser = c_parser.CParser()
    try:
        ast = parser.parse(prelude + "".join(
            "%s __abi_t%d;\n" % (s, i) for i, s in enumerate(strings)))
        decls = ast.ext[len(names):]
        return {s: d.type for s, d in zip(strings, decls)}
    except Exception:       # one bad string: find it
        nodes = {}
        for s in strings:
            try:
                nodes[s] = parser.parse(prelude + "%s __abi_t;\n" % s).ext[-1].type
            except Exception:
                nodes[s] = None
        return nodes


def model_macro_value(api, macro, macro_values: Dict[str, int]):
    """The XML's value of a parameterless macro: macro_int_values's, else its
    raw text evaluated with the enum values too (VIR_KEYCODE_SET_RFB is
    VIR_KEYCODE_SET_QNUM), else the raw text."""
    if macro.name in macro_values:
        return macro_values[macro.name]
    env = {n: v.value for n, v in api.enums.items()}
    env.update(macro_values)
    expr = parse_expression(macro.raw or "")
    value = evaluate(expr, env) if expr is not None else None
    return value if value is not None else macro.raw


def generator_notes(api) -> List[str]:
    """Integer macros generator.parse.macro_int_values leaves out although
    their value is known (so the binding lacks them as constants)."""
    from generator.parse import macro_int_values
    values = macro_int_values(api)
    return ["%s = %s (macro_int_values cannot evaluate %r)"
            % (m.name, model_macro_value(api, m, values), m.raw)
            for m in sorted(api.macros.values(), key=lambda m: m.name)
            if m.params is None and m.string is None and m.name not in values
            and isinstance(model_macro_value(api, m, values), int)]


def model_side(api, macro_values: Dict[str, int]) -> Side:
    """The model: `api` from generator.parse.load_api; `macro_values` from
    macro_int_values(api) (what emit_cdef uses for array sizes)."""
    def field_strings(fields):
        for f in fields:
            if f.union is not None:
                yield from field_strings(f.union)
            else:
                match = _ARRAY_FIELD.match(f.type)
                yield match.group(1) if match else f.type
    functions = {n: f for n, f in api.functions.items() if f.file != "python"}
    strings = [t.type for t in api.typedefs.values() if t.type != "enum"]
    strings += [v.type for v in api.variables.values()]
    for f in list(functions.values()) + list(api.callbacks.values()):
        strings += [f.ret.type] + [a.type for a in f.args]
    for s in api.structs.values():
        strings += list(field_strings(s.fields or []))
    nodes = _parse_types(strings)
    canon = Canon({n: nodes.get(t.type) for n, t in api.typedefs.items()
                   if t.type != "enum"}, macro_values)

    def of(text: str) -> tuple:
        node = nodes.get(text)
        return canon.of(node) if node is not None else ("base", (), "unparsable: " + text)

    def signature(f) -> tuple:
        params = []
        for a in f.args:
            t = of(a.type)
            params.append(("ptr", (), t[2]) if t[0] == "array" else t)
        return ("func", of(f.ret.type), tuple(params), False)

    def fields(fs) -> list:
        out = []
        for f in fs:
            if f.union is not None:
                out.append((f.name, ("union", (), tuple(fields(f.union)))))
                continue
            match = _ARRAY_FIELD.match(f.type)
            if match:
                ctype, name, size = match.groups()
                value = macro_values.get(size, c_int(size))
                # The field name inside the type must be the field's own.
                out.append((f.name if name == f.name else "%s/%s" % (f.name, name),
                            ("array", value, of(ctype))))
            else:
                out.append((f.name, of(f.type)))
        return out

    macros: Dict[str, Tuple[Optional[str], object]] = {}
    for m in api.macros.values():
        if m.params is not None:
            macros[m.name] = (",".join(p.strip() for p in m.params.split(",")),
                              re.sub(r"\s+", "", m.raw or ""))
        elif m.string is not None:
            macros[m.name] = (None, m.string)
        else:
            macros[m.name] = (None, model_macro_value(api, m, macro_values))
    return Side(
        functions={n: signature(f) for n, f in functions.items()},
        callbacks={n: signature(c) for n, c in api.callbacks.items()},
        structs={n: (s.tag, fields(s.fields) if s.fields is not None else None)
                 for n, s in api.structs.items()},
        typedefs={n: ("enum",) if t.type == "enum" else of(t.type)
                  for n, t in api.typedefs.items()},
        enums={n: (v.enum, v.value) for n, v in api.enums.items()},
        macros=macros,
        variables={n: of(v.type) for n, v in api.variables.items()})


# --- the comparison ----------------------------------------------------------

def _show(value) -> str:
    if isinstance(value, tuple) and value and isinstance(value[0], str) \
            and value[0] in ("base", "ptr", "array", "func", "union", "struct-body"):
        return render(value)
    if value == ("enum",):
        return "enum"
    return repr(value)


def compare(model: Side, header: Side) -> List[Mismatch]:
    out: List[Mismatch] = []

    # Functions, callbacks, structs and typedefs: a name may be one kind in
    # the XML and another in the headers; that is reported once.
    kinds = ["function", "callback", "struct", "typedef"]
    ours_by_kind = dict(zip(kinds, [model.functions, model.callbacks,
                                    model.structs, model.typedefs]))
    theirs_by_kind = dict(zip(kinds, [header.functions, header.callbacks,
                                      header.structs, header.typedefs]))
    for kind in kinds:
        ours, theirs = ours_by_kind[kind], theirs_by_kind[kind]
        for name in sorted(set(ours) - set(theirs)):
            other = [k for k in kinds if name in theirs_by_kind[k]]
            out.append(Mismatch(kind, name, "kind" if other else "missing in headers",
                                kind, other[0] if other else ""))
        for name in sorted(set(theirs) - set(ours)):
            if not any(name in ours_by_kind[k] for k in kinds):
                out.append(Mismatch(kind, name, "missing in XML", "", kind))

    for kind, ours, theirs in [("function", model.functions, header.functions),
                               ("callback", model.callbacks, header.callbacks)]:
        for name in sorted(set(ours) & set(theirs)):
            a, b = ours[name], theirs[name]
            if a[1] != b[1]:
                out.append(Mismatch(kind, name, "return", render(a[1]), render(b[1])))
            if len(a[2]) != len(b[2]) or a[3] != b[3]:
                out.append(Mismatch(kind, name, "arguments", render(a), render(b)))
                continue
            for i, (x, y) in enumerate(zip(a[2], b[2])):
                if x != y:
                    out.append(Mismatch(kind, name, "arg %d" % (i + 1), render(x), render(y)))

    for name in sorted(set(model.structs) & set(header.structs)):
        (tag, fields), (htag, hfields) = model.structs[name], header.structs[name]
        if tag != htag:
            out.append(Mismatch("struct", name, "tag", tag, htag))
        if fields is None or hfields is None:
            if (fields is None) != (hfields is None):
                out.append(Mismatch("struct", name, "fields",
                                    "opaque" if fields is None else "%d fields" % len(fields),
                                    "opaque" if hfields is None else "%d fields" % len(hfields)))
            continue
        for i in range(max(len(fields), len(hfields))):
            a = fields[i] if i < len(fields) else None
            b = hfields[i] if i < len(hfields) else None
            if a != b:
                out.append(Mismatch("struct", name, "field %d" % (i + 1),
                                    "%s %s" % (render(a[1]), a[0]) if a else "",
                                    "%s %s" % (render(b[1]), b[0]) if b else ""))

    for name in sorted(set(model.typedefs) & set(header.typedefs)):
        if model.typedefs[name] != header.typedefs[name]:
            out.append(Mismatch("typedef", name, "type", _show(model.typedefs[name]),
                                _show(header.typedefs[name])))

    for kind, ours, theirs in [("enum", model.enums, header.enums),
                               ("macro", model.macros, header.macros),
                               ("variable", model.variables, header.variables)]:
        for name in sorted(set(ours) - set(theirs)):
            out.append(Mismatch(kind, name, "missing in headers", "declared", ""))
        for name in sorted(set(theirs) - set(ours)):
            out.append(Mismatch(kind, name, "missing in XML", "", "declared"))
    for name in sorted(set(model.enums) & set(header.enums)):
        (etype, value), (htype, hvalue) = model.enums[name], header.enums[name]
        if value != hvalue:
            out.append(Mismatch("enum", name, "value", str(value), str(hvalue)))
        if etype != htype:
            out.append(Mismatch("enum", name, "enum type", etype, htype))
    for name in sorted(set(model.macros) & set(header.macros)):
        (params, value), (hparams, hvalue) = model.macros[name], header.macros[name]
        if params != hparams:
            out.append(Mismatch("macro", name, "parameters", str(params), str(hparams)))
        elif value != hvalue:
            out.append(Mismatch("macro", name, "body" if params is not None else "value",
                                repr(value), repr(hvalue)))
    for name in sorted(set(model.variables) & set(header.variables)):
        if model.variables[name] != header.variables[name]:
            out.append(Mismatch("variable", name, "type", render(model.variables[name]),
                                render(header.variables[name])))
    return out


def check(api_dir: Optional[str] = None, api=None) -> List[Mismatch]:
    """Every mismatch between the model and the installed headers."""
    from generator.parse import load_api, macro_int_values
    if api is None:
        api = load_api(api_dir)
    with tempfile.TemporaryDirectory(prefix="abi-check-") as workdir:
        pre = preprocess(workdir)
    return compare(model_side(api, macro_int_values(api)), header_side(pre))


def split_known(mismatches: List[Mismatch]):
    """(unexplained, known, stale known keys)."""
    seen = {m.key for m in mismatches}
    return ([m for m in mismatches if m.key not in KNOWN],
            [m for m in mismatches if m.key in KNOWN],
            sorted(k for k in KNOWN if k not in seen))


def report(mismatches: List[Mismatch], stream=sys.stdout) -> None:
    unexplained, known, stale = split_known(mismatches)
    print("%d mismatches between libvirt's API XML and its headers "
          "(%d known, %d unexplained)" % (len(mismatches), len(known), len(unexplained)),
          file=stream)
    if unexplained:
        print("\nUnexplained:", file=stream)
        for m in unexplained:
            print("  " + str(m), file=stream)
    if known:
        print("\nKnown:", file=stream)
        for m in known:
            print("  %s\n      why: %s" % (m, KNOWN[m.key]), file=stream)
    if stale:
        print("\nKnown mismatches not seen with this libvirt:", file=stream)
        for key in stale:
            print("  %s %s: %s" % key, file=stream)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-dir", help="a directory holding libvirt*-api.xml "
                        "(default: where pkg-config says)")
    args = parser.parse_args(argv)
    try:
        mismatches = check(args.api_dir)
    except ToolMissing as e:
        print("abi_check: %s" % e, file=sys.stderr)
        return 2
    report(mismatches)
    from generator.parse import load_api
    notes = generator_notes(load_api(args.api_dir))
    if notes:
        print("\nNot XML/header mismatches, but integer macros the generator "
              "leaves out:", *("  " + n for n in notes), sep="\n")
    return 1 if split_known(mismatches)[0] else 0


if __name__ == "__main__":
    sys.exit(main())
