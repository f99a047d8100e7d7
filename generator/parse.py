"""Read libvirt's API XML files (and the project's api-xml/) into the model.

Only what the XML states is recorded here; decisions live in annotate.py.
"""

from __future__ import annotations

import ast
import operator
import os
import re
import subprocess
from typing import Dict, Iterable, List, Optional

from lxml import etree

from . import typed_params

from .model import (Api, Arg, Callback, EnumValue, Field, Function, Macro,
                    Return, Struct, Typedef, Variable, parse_version)

# The API files libvirt installs, by module, with the pkg-config package and
# variable that locate each one.
API_FILES = {
    "libvirt": ("libvirt", "libvirt_api"),
    "libvirt-qemu": ("libvirt-qemu", "libvirt_qemu_api"),
    "libvirt-lxc": ("libvirt-lxc", "libvirt_lxc_api"),
    "libvirt-admin": ("libvirt-admin", "libvirt_admin_api"),
}

# Environment override: a directory holding libvirt*-api.xml files.
API_DIR_ENV = "LIBVIRT_API_XML_DIR"

PROJECT_API_XML = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "api-xml")


class ApiNotFound(RuntimeError):
    pass


def locate_api_files(api_dir: Optional[str] = None) -> Dict[str, str]:
    """Module name -> path of its installed API XML file."""
    api_dir = api_dir or os.environ.get(API_DIR_ENV)
    found: Dict[str, str] = {}
    for module, (package, variable) in API_FILES.items():
        if api_dir:
            path = os.path.join(api_dir, module + "-api.xml")
        else:
            path = _pkg_config_variable(package, variable)
        if path and os.path.exists(path):
            found[module] = path
    if "libvirt" not in found:
        raise ApiNotFound(
            "libvirt-api.xml not found: install libvirt's development files "
            "(Debian: libvirt-dev) or set %s to a directory holding it"
            % API_DIR_ENV)
    return found


def _pkg_config_variable(package: str, variable: str) -> Optional[str]:
    try:
        out = subprocess.run(
            ["pkg-config", "--variable=" + variable, package],
            capture_output=True, text=True, check=False)
    except OSError:
        return None
    value = out.stdout.strip()
    return value or None


def load_api(api_dir: Optional[str] = None,
             project_dir: Optional[str] = PROJECT_API_XML,
             files: Optional[Dict[str, str]] = None) -> Api:
    """Parse libvirt's API files and then the project's own descriptions."""
    api = Api()
    for module, path in sorted((files or locate_api_files(api_dir)).items()):
        parse_file(api, path, module)
    if project_dir and os.path.isdir(project_dir):
        for name in sorted(os.listdir(project_dir)):
            if name.endswith(".xml"):
                parse_project_file(api, os.path.join(project_dir, name))
    resolve_enum_values(api)
    return api


def _text(element, tag: str) -> str:
    node = element.find(tag)
    return (node.text or "").strip() if node is not None else ""


def _args(element) -> List[Arg]:
    return [Arg(a.get("name"), a.get("type"), a.get("info") or "", a.get("default"))
            for a in element.findall("arg")]


def _return(element) -> Return:
    node = element.find("return")
    if node is None:
        return Return("void")
    return Return(node.get("type"), node.get("info") or "")


def _fields(element) -> List[Field]:
    fields = []
    for node in element.findall("field"):
        union = node.find("union")
        fields.append(Field(
            node.get("name"), node.get("type"), node.get("info") or "",
            _fields(union) if union is not None else None))
    return fields


def parse_file(api: Api, path: str, module: str) -> None:
    tree = etree.parse(path)
    symbols = tree.getroot().find("symbols")
    if symbols is None:
        return
    for node in symbols:
        if not isinstance(node.tag, str):
            continue      # comments
        name = node.get("name")
        common = dict(module=module, file=node.get("file") or "",
                      version=parse_version(node.get("version")))
        if node.tag == "function":
            api.functions[name] = Function(
                name=name, ret=_return(node), args=_args(node),
                doc=_text(node, "info"), **common)
        elif node.tag == "functype":
            api.callbacks[name] = Callback(
                name=name, ret=_return(node), args=_args(node),
                doc=_text(node, "info"), **common)
        elif node.tag == "struct":
            has_fields = node.find("field") is not None
            tag = (node.get("type") or "").replace("struct ", "").strip()
            api.structs[name] = Struct(
                name=name, tag=tag, fields=_fields(node) if has_fields else None,
                doc=_text(node, "info"), **common)
        elif node.tag == "typedef":
            api.typedefs[name] = Typedef(
                name=name, type=node.get("type"), doc=_text(node, "info"),
                **common)
        elif node.tag == "enum":
            raw = node.get("value")
            numeric = _int_or_none(raw)
            api.enums[name] = EnumValue(
                name=name, enum=node.get("type"),
                value=numeric if numeric is not None else 0,
                symbolic=None if numeric is not None else raw,
                doc=node.get("info") or "", **common)
        elif node.tag == "variable":
            api.variables[name] = Variable(
                name=name, type=node.get("type"), doc=_text(node, "info"), **common)
        elif node.tag == "macro":
            macro = api.macros[name] = Macro(
                name=name, raw=node.get("raw"), string=node.get("string"),
                params=node.get("params"), doc=_text(node, "info"), **common)
            if macro.string is not None:
                macro.typed_param, macro.repeatable = typed_params.documented(macro.doc)
    version = api.macros.get("LIBVIR_VERSION_NUMBER")
    if version is not None and version.raw:
        number = int(version.raw)
        api.sources[module] = "%d.%d.%d" % (
            number // 1000000, number // 1000 % 1000, number % 1000)


def parse_project_file(api: Api, path: str) -> None:
    """The project's api-xml/: Python-level descriptions of functions that
    are written by hand. Each <function> names a libvirt function and says
    why it is hand-written; its args/return describe the Python signature."""
    tree = etree.parse(path)
    for node in tree.getroot().iter("adjust"):
        function = api.functions.get(node.get("name"))
        if function is None:
            continue        # not in this libvirt
        function.pyname = node.get("pyname") or function.pyname
        for arg in node.findall("arg"):
            function.adjust[arg.get("name")] = {
                key: value for key, value in arg.attrib.items() if key != "name"}
    for node in tree.getroot().iter("function"):
        name = node.get("name")
        reason = node.get("reason") or "described in %s" % os.path.basename(path)
        existing = api.functions.get(name)
        if existing is not None:
            existing.handwritten = reason
            existing.pyname = node.get("pyname")
            existing.cls = node.get("class")
            existing.pyreturn = _return(node).type
            existing.pyargs = _args(node)
            continue
        api.functions[name] = Function(
            name=name, module=node.get("module") or "libvirt",
            file=node.get("file") or "python",
            version=parse_version(node.get("version")),
            ret=_return(node), args=_args(node), doc=_text(node, "info"),
            handwritten=reason, pyname=node.get("pyname"), cls=node.get("class"),
            pyreturn=_return(node).type, pyargs=_args(node),
            # Only file='python' ones are no C function of libvirt's.
            absent=node.get("file") is None)


def _int_or_none(text: Optional[str]) -> Optional[int]:
    if text is None:
        return None
    try:
        return int(text, 0)
    except ValueError:
        return None


def resolve_enum_values(api: Api) -> None:
    """Values given by another enum's name take that enum's value."""
    for value in api.enums.values():
        seen = set()
        target = value.symbolic
        while target is not None and target not in seen:
            seen.add(target)
            other = api.enums.get(target)
            if other is None:
                break
            if other.symbolic is None:
                value.value = other.value
                break
            target = other.symbolic


# --- integer macros ---------------------------------------------------------

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub,
           ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
           ast.LShift: operator.lshift, ast.RShift: operator.rshift,
           ast.BitOr: operator.or_, ast.BitAnd: operator.and_}


def macro_int_values(api: Api) -> Dict[str, int]:
    """Integer values of the parameterless macros whose expression is plain
    arithmetic over numbers and other such macros."""
    values: Dict[str, int] = {}
    pending = {m.name: m for m in api.macros.values()
               if m.raw is not None and not m.params}
    progress = True
    while pending and progress:
        progress = False
        for name, macro in list(pending.items()):
            value = _eval_c_int(macro.raw, values)
            if value is not None:
                values[name] = value
                del pending[name]
                progress = True
            elif not _references_pending(macro.raw, pending):
                del pending[name]
    return values


def _references_pending(raw: str, pending: Iterable[str]) -> bool:
    words = set(re.findall(r"[A-Za-z_]\w*", raw))
    return bool(words & set(pending))


def _eval_c_int(raw: str, known: Dict[str, int]) -> Optional[int]:
    text = re.sub(r"/\*.*?\*/", "", raw).strip()
    text = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", text)
    text = text.replace("/", "//")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    return _eval_node(tree.body, known)


def _eval_node(node, known: Dict[str, int]) -> Optional[int]:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Invert)):
        operand = _eval_node(node.operand, known)
        if operand is None:
            return None
        return -operand if isinstance(node.op, ast.USub) else ~operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _eval_node(node.left, known)
        right = _eval_node(node.right, known)
        if left is None or right is None:
            return None
        return _BINARY[type(node.op)](left, right)
    return None
