"""libvirt-python's naming contract: which class owns a C function and what
its Python method is called. These are compatibility facts (programs call
these names), kept as data so the rules read as a table."""

from __future__ import annotations

import re
from typing import Optional, Tuple

# Handle classes in the order libvirt-python assigns functions to them: the
# first class whose handle is argument 0 (else argument 1) owns the function.
CLASS_ORDER = [
    "virDomain", "virNetwork", "virNetworkPort", "virInterface",
    "virStoragePool", "virStorageVol", "virConnect", "virNodeDevice",
    "virSecret", "virNWFilter", "virNWFilterBinding", "virStream",
    "virDomainCheckpoint", "virDomainSnapshot",
    # libvirt-admin (libvirt_admin): the daemon, its servers, their clients
    "virAdmConnect", "virAdmServer", "virAdmClient",
]

# Class -> the class of the object it is created from (its "parent").
PARENT_CLASS = {
    "virConnect": None,
    "virDomainCheckpoint": "virDomain",
    "virDomainSnapshot": "virDomain",
    "virNetworkPort": "virNetwork",
    "virAdmConnect": None,
    "virAdmServer": "virAdmConnect",
    "virAdmClient": "virAdmServer",
}

# How an object refers to the object it was made from, from inside a method
# (libvirt/_objects.py keeps a domain's or a network's children's in _parent).
PARENT_ATTRIBUTE = {"virConnect": "_conn", "virDomain": "_parent",
                    "virNetwork": "_parent", "virAdmConnect": "_conn",
                    "virAdmServer": "_parent"}

# Functions whose handle is argument 1 but which still are not methods of
# that handle's class.
NOT_OWNED_BY_SECOND_ARG = {"virDomainRevertToSnapshot"}

# (C-name prefix, characters cut from the front, leading characters lowered)
# First match wins; the order is significant.
PREFIX_RULES = [
    ("virNetworkDefine", 3, 1), ("virNetworkCreateXML", 3, 1),
    ("virNetworkLookup", 3, 1), ("virNetworkPortCreateXML", 10, 1),
    ("virNetworkPortLookup", 10, 1), ("virInterfaceDefine", 3, 1),
    ("virInterfaceCreateXML", 3, 1), ("virInterfaceLookup", 3, 1),
    ("virSecretDefine", 3, 1), ("virSecretLookup", 3, 1),
    ("virNWFilterBindingCreateXML", 3, 3), ("virNWFilterBindingLookup", 3, 3),
    ("virNWFilterBindingDefine", 3, 3), ("virNWFilterDefine", 3, 3),
    ("virNWFilterLookup", 3, 3), ("virStoragePoolDefine", 3, 1),
    ("virStoragePoolCreateXML", 3, 1), ("virStoragePoolLookup", 3, 1),
    ("virStorageVolDefine", 3, 1), ("virStorageVolLookup", 3, 1),
    ("virDomainGetCPUStats", 9, 1), ("virDomainGetIOThreadInfo", 12, 2),
    ("virDomainGetFSInfo", 12, 2), ("virDomainGet", 12, 1),
    ("virDomainCheckpointLookupByName", 9, 1),
    ("virDomainCheckpointCreateXML", 9, 1), ("virDomainCheckpoint", 19, 1),
    ("virDomainSnapshotLookupByName", 9, 1),
    ("virDomainSnapshotListNames", 9, 1),
    ("virDomainSnapshotNumChildren", 17, 1), ("virDomainSnapshotNum", 9, 1),
    ("virDomainSnapshotCreateXML", 9, 1), ("virDomainSnapshotCurrent", 9, 1),
    ("virDomainSnapshot", 17, 1), ("virDomain", 9, 1),
    ("virNetworkPortGet", 17, 1), ("virNetworkGet", 13, 1),
    ("virNetworkPort", 14, 1), ("virNetwork", 10, 1),
    ("virInterfaceGet", 15, 1), ("virInterface", 12, 1),
    ("virSecretGet", 12, 1), ("virSecret", 9, 1),
    ("virNWFilterBindingGet", 21, 1), ("virNWFilterBinding", 18, 1),
    ("virNWFilterGet", 14, 1), ("virNWFilter", 11, 1),
    ("virStream", 9, 1), ("virStoragePoolGet", 17, 1),
    ("virStoragePool", 14, 1), ("virStorageVolGet", 16, 1),
    ("virStorageVol", 13, 1), ("virNodeDeviceGet", 16, 1),
    ("virNodeDeviceLookup", 3, 1), ("virNodeDeviceCreateXML", 3, 1),
    ("virNodeDeviceDefine", 3, 1), ("virNodeDevice", 13, 1),
    ("virNode", 7, 1), ("virConnect", 10, 1),
    # libvirt_admin (libvirt-python has none; its rules carried over): the
    # connection keeps "get" as virConnect does (getURI), servers and
    # clients drop it as the other objects do (name(), info()), and module
    # functions lose the "virAdm" prefix (open(), getVersion()).
    ("virAdmConnect", 13, 1), ("virAdmServerGet", 15, 1),
    ("virAdmServer", 12, 1), ("virAdmClientGet", 15, 1),
    ("virAdmClient", 12, 1), ("virAdm", 6, 1),
]

# Names the prefix rules cannot produce.
EXPLICIT_NAMES = {
    "virStreamNew": "newStream",
    "virConnectListDomains": "listDomainsID",
    "virConnectListAllNodeDevices": "listAllDevices",
}

# Acronyms the lower-casing of the first letter would break.
ACRONYMS = {"iD": "ID", "uUID": "UUID", "uUIDString": "UUIDString",
            "oSType": "OSType", "xMLDesc": "XMLDesc",
            "mACString": "MACString"}


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
