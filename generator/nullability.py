"""Whether a pointer argument takes None (NULL): decided from what libvirt
does with NULL, not from the wording of its documentation alone.

The facts, in the order they decide:
1. libvirt's own checks: an entry point that always refuses NULL for the
   argument (virCheckNonNullArgGoto, virCheckDomainReturn, ...; read from
   libvirt's source by tools/null_checks.py into libvirt-null-checks.txt).
   The binding then refuses None itself, with libvirt's error and wording.
2. The tables below, for what libvirt neither checks nor documents: such an
   argument reaches the driver as it is, so whether NULL is right is a
   property of the drivers, reasoned here one argument at a time.
3. libvirt's documentation: the argument's text, or a sentence of the
   function's text naming it, says NULL (or "optional") is allowed. A check
   made only on some paths (for some flags) leaves the decision to libvirt.
4. Anything else: refused. A NULL that no check stops may crash a driver
   (libvirt-python, which passes every None on, crashes on some).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

CHECKS_FILE = Path(__file__).resolve().with_name("libvirt-null-checks.txt")

# Undocumented and unchecked, and the drivers take NULL.
NULL_ACCEPTED: Dict[Tuple[str, str], str] = {
    ("virConnectGetMaxVcpus", "type"):
        "drivers answer for their default guest type (the test driver: 32); "
        "libvirt's Python guide calls getMaxVcpus(None)",
}
for _argument in ("emulatorbin", "arch", "machine", "virttype"):
    NULL_ACCEPTED["virConnectGetDomainCapabilities", _argument] = (
        "drivers fill in the host's default for each one left NULL; "
        "libvirt-python defaults all four to None")

# Undocumented and unchecked, and a driver would use the pointer.
NULL_REFUSED: Dict[Tuple[str, str], str] = {
    ("virDomainCreateLinux", "xmlDesc"):
        "an alias of virDomainCreateXML, which refuses NULL",
    ("virDomainGetInterfaceParameters", "device"):
        "drivers look the interface up by this name (libvirt-python crashes "
        "on None)",
    ("virDomainSetInterfaceParameters", "device"):
        "drivers look the interface up by this name",
    ("virDomainManagedSaveDefineXML", "dxml"):
        "drivers parse it as the new domain XML",
    ("virDomainQemuAgentCommand", "cmd"):
        "the command text sent to the guest agent",
    ("virDomainQemuMonitorCommand", "cmd"):
        "the command text sent to the monitor",
    ("virDomainLxcEnterCGroup", "domain"):
        "its connection is read before any check",
}


@lru_cache(maxsize=None)
def libvirt_checks() -> Dict[Tuple[str, str], str]:
    """(function, argument) -> libvirt's NULL check: not-null or object,
    with -sometimes where it runs only on some paths."""
    checks = {}
    for line in CHECKS_FILE.read_text().splitlines():
        if line and not line.startswith("#"):
            function, argument, check = line.split()
            checks[function, argument] = check
    return checks


def documented(info: str, function_doc: str, name: str) -> bool:
    """libvirt's text allows NULL: in the argument's own text, or in a
    sentence of the function's text that names the argument."""
    if re.search(r"\bNULL\b|^\(?optional\)?", info):
        return True
    for sentence in re.split(r"(?<=[.;])\s+", function_doc):
        if re.search(r"[@'\"]?\b%s\b" % re.escape(name), sentence) and \
                re.search(r"\bNULL\b|\boptional\b", sentence):
            return True
    return False


def decide(function: str, argument: str, info: str, function_doc: str
           ) -> Tuple[bool, str]:
    """(accepts None, why) for one pointer argument of a libvirt function."""
    check = libvirt_checks().get((function, argument))
    if check in ("not-null", "object"):
        return False, "libvirt refuses NULL (%s check)" % check
    key = (function, argument)
    if key in NULL_ACCEPTED:
        return True, NULL_ACCEPTED[key]
    if key in NULL_REFUSED:
        return False, NULL_REFUSED[key]
    if documented(info, function_doc, argument):
        if check:
            return True, "documented; libvirt refuses NULL on some paths"
        return True, "documented"
    return False, "neither documented nor checked by libvirt"
