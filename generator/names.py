"""libvirt-python's naming contract applied: which class owns a C function
and what its Python method is called, from the tables of compat.py."""

from __future__ import annotations

import re
from typing import Optional, Tuple

from .compat import (ACRONYMS, CLASS_ORDER, EXPLICIT_NAMES, NOT_OWNED_BY_SECOND_ARG,
                     PARENT_ATTRIBUTE, PARENT_CLASS, PREFIX_RULES)

def handle_class(ctype: str) -> Optional[str]:
    """'virDomainPtr' / 'virDomain *' -> 'virDomain' for handle classes."""
    base = re.sub(r"^const\s+", "", ctype).strip()
    if base.endswith("Ptr"):
        base = base[:-3]
    elif base.endswith("*") and base.count("*") == 1:
        base = base[:-1].strip()
    else:
        return None
    return base if base in CLASS_ORDER else None


def owner(name: str, arg_types) -> Tuple[Optional[str], int]:
    """(owning class, index of its handle among the arguments)."""
    classes = [handle_class(t) for t in arg_types[:2]]
    for cls in CLASS_ORDER:
        if classes and classes[0] == cls:
            return cls, 0
        if (len(classes) > 1 and classes[1] == cls
                and name not in NOT_OWNED_BY_SECOND_ARG):
            return cls, 1
    return None, -1


def method_name(name: str, cls: Optional[str]) -> str:
    if name in EXPLICIT_NAMES:
        return EXPLICIT_NAMES[name]
    pyname = None
    if cls and name.startswith(cls + "List"):
        pyname = _lower(name[len(cls):], 1)
    else:
        for prefix, cut, lowered in PREFIX_RULES:
            if name.startswith(prefix):
                pyname = _lower(name[cut:], lowered)
                if prefix == "virNetworkGet":
                    pyname = pyname.replace("dHCP", "DHCP")
                break
    if pyname is None:
        return name
    return ACRONYMS.get(pyname, pyname)


def _lower(text: str, count: int) -> str:
    return text[:count].lower() + text[count:]


def parent_expression(cls: Optional[str], created: str) -> str:
    """Python expression, inside a method of `cls` (None: module function),
    for the parent an object of class `created` is constructed with."""
    parent = PARENT_CLASS.get(created, "virConnect")
    if parent is None:
        return ""
    if cls == parent:
        return "self"
    return "self." + PARENT_ATTRIBUTE[parent]
