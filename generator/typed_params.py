"""Typed-parameter fields: the type libvirt documents for each string macro
that names one, and the tables the runtime types setter dicts by.

libvirt's macro descriptions say a field's type in prose ("... as
VIR_TYPED_PARAM_ULLONG", "as an unsigned int", "with a type of ullong");
`documented` reads it (parse.py records it on the Macro). The few fields of
the families below whose description states no type are typed by
UNDOCUMENTED, each with its reason; `fill_undocumented` applies it.
"""

from __future__ import annotations

import json
import re
from typing import Dict, List, Optional, Tuple

from .model import Api, Macro

TYPES = ("INT", "UINT", "LLONG", "ULLONG", "DOUBLE", "BOOLEAN", "STRING")

# The constant (libvirt's own spelling; its NODE_SEV docs write
# VIR_TYPED_PARAMS_STRING), else the prose forms the descriptions use.
_CONSTANT = re.compile(r"\bVIR_TYPED_PARAMS?_(%s)\b" % "|".join(TYPES))
_PROSE = re.compile(
    r"\b(?:as|with a type of|type is)\s+(?:an?\s+)?"
    r"(unsigned long long|unsigned int|long long|ullong|llong|uint|int|"
    r"string|boolean|double)\b", re.IGNORECASE)
_PROSE_TYPES = {"unsigned long long": "ULLONG", "ullong": "ULLONG",
                "unsigned int": "UINT", "uint": "UINT", "long long": "LLONG",
                "llong": "LLONG", "int": "INT", "string": "STRING",
                "boolean": "BOOLEAN", "double": "DOUBLE"}
# libvirt's words for a field that may be given several times.
_REPEATABLE = re.compile(r"params multiple field|may be specified multiple times",
                         re.IGNORECASE)


def documented(doc: str) -> Tuple[Optional[str], bool]:
    """(type the description states or None, whether it is repeatable).
    A description naming two different types states none."""
    found = set(_CONSTANT.findall(doc))
    if not found:
        found = {_PROSE_TYPES[word.lower()] for word in _PROSE.findall(doc)}
    kind = found.pop() if len(found) == 1 else None
    return kind, bool(_REPEATABLE.search(doc))


# The families the hand-written setters type their dict by: the name of the
# generated table (libvirt/_param_types.py), the macro prefix, and why. Each
# is a setter libvirt has no getter for, so the types cannot be asked.
FAMILIES = (
    ("MIGRATE", "VIR_MIGRATE_PARAM_", "virDomainMigrate3, virDomainMigrateToURI3"),
    ("SAVE", "VIR_DOMAIN_SAVE_PARAM_", "virDomainSaveParams, virDomainRestoreParams"),
    ("BLOCK_COPY", "VIR_DOMAIN_BLOCK_COPY_", "virDomainBlockCopy"),
    ("IOTHREAD", "VIR_DOMAIN_IOTHREAD_", "virDomainSetIOThreadParams"),
    # Only the secret fields: the other VIR_DOMAIN_LAUNCH_SECURITY_* are
    # what virDomainGetLaunchSecurityInfo reports, not settable.
    ("LAUNCH_SECURITY", "VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET",
     "virDomainSetLaunchSecurityState"),
    ("IDENTITY", "VIR_CONNECT_IDENTITY_", "virConnectSetIdentity"),
    # The block I/O tuning fields: a throttle group has no getter of its own.
    ("BLOCK_IOTUNE", "VIR_DOMAIN_BLOCK_IOTUNE_", "virDomainSetThrottleGroup"),
    ("ANNOUNCE_INTERFACE", "VIR_DOMAIN_ANNOUNCE_INTERFACE_", "virDomainAnnounceInterface"),
)

# Family fields whose description states no single type: (type, reason).
# The type is the one libvirt's drivers validate the field as
# (virTypedParamsValidate in the QEMU driver).
UNDOCUMENTED: Dict[str, Tuple[str, str]] = {
    "VIR_MIGRATE_PARAM_LISTEN_ADDRESS": ("STRING", "an address or host name"),
    "VIR_MIGRATE_PARAM_MIGRATE_DISKS": ("STRING", "disk target names, one per value"),
    "VIR_MIGRATE_PARAM_MIGRATE_DISKS_DETECT_ZEROES": (
        "STRING", "disk target names, one per value (as migrate_disks)"),
    "VIR_MIGRATE_PARAM_COMPRESSION": ("STRING", "compression method names, one per value"),
    "VIR_DOMAIN_IOTHREAD_POLL_MAX_NS": ("ULLONG", "a time in nanoseconds"),
    # Documented since 9.3 as "UINT or since 9.3.0 ULLONG" (two types).
    "VIR_DOMAIN_IOTHREAD_POLL_GROW": ("UINT", "what every libvirt since 4.10 accepts"),
    "VIR_DOMAIN_IOTHREAD_POLL_SHRINK": ("UINT", "what every libvirt since 4.10 accepts"),
    "VIR_DOMAIN_SAVE_PARAM_FILE": ("STRING", "a file path"),
    "VIR_DOMAIN_SAVE_PARAM_DXML": ("STRING", "domain XML"),
    "VIR_DOMAIN_SAVE_PARAM_IMAGE_FORMAT": ("STRING", "a format name (raw, zstd, ...)"),
    # Newer than 9.0 (11.x, 12.x), described without a type.
    "VIR_DOMAIN_ANNOUNCE_INTERFACE_INITIAL": ("UINT", "a delay in milliseconds"),
    "VIR_DOMAIN_ANNOUNCE_INTERFACE_MAX": ("UINT", "a delay in milliseconds"),
    "VIR_DOMAIN_ANNOUNCE_INTERFACE_ROUNDS": ("UINT", "a number of packets"),
    "VIR_DOMAIN_ANNOUNCE_INTERFACE_STEP": ("UINT", "a delay in milliseconds"),
    "VIR_MIGRATE_PARAM_BANDWIDTH_AVAIL_SWITCHOVER": (
        "ULLONG", "a bandwidth in MiB/s, as VIR_MIGRATE_PARAM_BANDWIDTH"),
    "VIR_MIGRATE_PARAM_MIGRATE_DISKS_TARGET_ZERO": (
        "STRING", "disk target names, one per value (as migrate_disks)"),
}

# Macros inside a family's prefix that are values of a field, not fields.
NOT_FIELDS = {
    "VIR_DOMAIN_SAVE_PARAM_IMAGE_FORMAT_": "the values image_format takes (raw, zstd, ...)",
}


def fill_undocumented(api: Api) -> None:
    """Type the family fields the descriptions leave untyped (UNDOCUMENTED);
    one whose description does state a single type keeps it."""
    for name, (kind, reason) in UNDOCUMENTED.items():
        macro = api.macros.get(name)
        if macro is not None and macro.string is not None and macro.typed_param is None:
            macro.typed_param, macro.typed_param_reason = kind, reason


def family_fields(api: Api, family: str) -> List[Macro]:
    """The family's string macros, by field name."""
    prefix = dict((f, p) for f, p, _ in FAMILIES)[family]
    macros = [m for m in api.macros.values()
              if m.string is not None and m.name.startswith(prefix)
              and not any(m.name.startswith(value) for value in NOT_FIELDS)]
    return sorted(macros, key=lambda m: (m.string, m.name))


def emit_module(api: Api) -> str:
    """libvirt/_param_types.py: one {field: type} table per family."""
    tables = []
    used = set()
    for family, prefix, functions in FAMILIES:
        rows, untyped, seen = [], [], {}
        for macro in family_fields(api, family):
            kind = macro.typed_param
            if kind is None:
                untyped.append(macro.name)
                continue
            if seen.setdefault(macro.string, kind) != kind:
                raise ValueError("%s: field %r typed both %s and %s"
                                 % (family, macro.string, seen[macro.string], kind))
            if any(row[0] == macro.string for row in rows):     # an alias
                continue
            used.add(kind)
            rows.append((macro.string, kind, macro))
        lines = ["", "# %s* (%s)" % (prefix, functions), "%s = {" % family]
        for field, kind, macro in rows:
            if macro.typed_param_reason:
                lines.append("    # not typed by its doc; generator: %s" % macro.typed_param_reason)
            lines.append("    %s: %s,  # %s%s" % (json.dumps(field),
                kind, macro.name, ", repeatable" if macro.repeatable else ""))
        lines.append("}")
        if untyped:
            # The caller's Python value decides these (as libvirt-python does).
            lines.append("# untyped: " + ", ".join(untyped))
        tables.append("\n".join(lines))
    head = ['"""The types libvirt documents for the typed-parameter fields of the',
            'setters without a getter (generated from the API XML\'s macro',
            'descriptions; generator/typed_params.py)."""',
            ""]
    if used:
        head.append("from ._typedparams import %s" % ", ".join(t for t in TYPES if t in used))
    return "\n".join(head) + "\n" + "\n".join(tables) + "\n"
