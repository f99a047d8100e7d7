"""Model -> libvirt/_enums.py: libvirt's enum types (api.enum_types()), each
to become an enum.IntEnum, or an enum.IntFlag when its values are bits, on
first access (libvirt/__init__.py's __getattr__); the stubs declare the same
classes (generator/emit_stubs.py)."""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from .compat import PY_MODULES
from .model import Api


def is_flag_enum(enum: str, values, documented: set) -> bool:
    """IntFlag when the values are bits: no negative value, every non-zero
    one a power of two, and the type is named or documented as flags (libvirt
    says "bitwise-OR of <type>") or has at least three bits."""
    numbers = {v.value for v in values}
    if any(n < 0 for n in numbers):
        return False
    bits = [n for n in numbers if n]
    if not bits or any(n & (n - 1) for n in bits):
        return False
    if "Flag" in enum or len(bits) >= 3:
        return True
    return enum in documented


def or_documented(api: Api) -> set:
    """Enum types some function documents its flags as a bitwise-OR of."""
    found: set = set()
    pattern = re.compile(r"\bOR\b\W*(?:of\s+)?(?:the\s+)?(?:values\s+from\s+)?@?(vir\w+)")
    for function in api.functions.values():
        for text in [function.doc] + [a.info for a in function.args]:
            found.update(pattern.findall(text or ""))
    return found


def enum_members(api: Api, pymodule: str) -> Dict[str, Tuple[bool, List[Tuple[str, int]]]]:
    """{enum type: (is flag, [(member, value)])} of one Python module's enum
    types: the constants libvirt-python offers (no _LAST sentinel), the
    canonical names before the aliases libvirt marks as such."""
    modules = {m for m, p in PY_MODULES.items() if p == pymodule}
    order = {name: i for i, name in enumerate(api.enums)}
    documented = or_documented(api)
    result = {}
    for enum, values in sorted(api.enum_types().items()):
        if values[0].module not in modules:
            continue
        highest = max(values, key=lambda v: (v.value, v.name))
        kept = [v for v in values
                if not (v is highest and v.name.endswith("_LAST"))]
        if not kept:
            continue
        kept.sort(key=lambda v: (v.symbolic is not None, v.value, order[v.name]))
        result[enum] = (is_flag_enum(enum, kept, documented), [(v.name, v.value) for v in kept])
    return result


def emit_enum_table(api: Api) -> str:
    """libvirt/_enums.py: the enum types of each module, and their classes
    made on first use (libvirt's __getattr__ asks here)."""
    out = ['"""libvirt\'s enum types as enum.IntEnum / enum.IntFlag classes beside the',
           'int constants, made on first access (generated; see libvirt/__init__.py)."""',
           "", "TYPES = {"]
    for pymodule in ("libvirt", "libvirt_qemu", "libvirt_lxc", "libvirt_admin"):
        members = enum_members(api, pymodule)
        if not members:
            continue
        out.append("    %r: {" % pymodule)
        for enum, (flag, values) in members.items():
            out.append("        %r: (%r, (%s)),"
                       % (enum, flag, "".join("(%r, %d), " % v for v in values).rstrip()))
        out.append("    },")
    out.append("}")
    out.append('''
_made = {}


def get(module, name):
    """The enum class `name` of `module`, made once; AttributeError if
    there is no such enum type."""
    try:
        return _made[module, name]
    except KeyError:
        pass
    spec = TYPES.get(module, {}).get(name)
    if spec is None:
        raise AttributeError("module %r has no attribute %r" % (module, name))
    import enum
    flag, members = spec
    cls = (enum.IntFlag if flag else enum.IntEnum)(name, members, module=module,
                                                   qualname=name)
    return _made.setdefault((module, name), cls)
''')
    return "\n".join(out)
