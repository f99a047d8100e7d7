"""Data for tools/acceptance_sweep.py: what the sweep skips, and the
deliberate differences from libvirt-python it accepts, each with its reason.

A rule matches a (case, reference outcome, our outcome) by pattern, never by
listing pairs: callable glob, argument glob, battery value kind globs (minus
``not_values``), and a predicate on each side's outcome.  Keep this list short: a difference that
is a bug of ours does not belong here, the sweep is meant to fail on it.

Outcome predicates (see ``outcome_matches``):
    "ok"            the call returned
    "raised"        the call raised anything
    "any"           anything except a crash or timeout
    "reached"       returned, or raised a libvirtError
    ("mro", names)  the call raised an exception whose MRO holds every name
"""

from fnmatch import fnmatchcase

# Battery kinds (tools/acceptance_sweep.py BATTERY) that are integers outside
# the range of some C integer type (unsigned int, int, long long, ...).
OUT_OF_RANGE_INTS = ("int_m1", "int_2_31", "int_m2_31_m1", "int_2_32",
                     "int_2_63", "int_m2_63_m1", "int_2_64", "int_2_70")

# Parameter names that take a Python callback in libvirt-python.
CALLBACK_PARAMS = ("cb", "f", "handler", "holeHandler", "skipHandler",
                   "addHandle", "updateHandle", "removeHandle",
                   "addTimeout", "updateTimeout", "removeTimeout")

ALLOWED = [
    {
        "id": "int-out-of-range",
        "reason": "An integer outside the C parameter's range is refused "
                  "with an exception that is both an OverflowError and a "
                  "libvirtError; the reference silently truncates it (flags "
                  "2**70 becomes 0, -1 becomes UINT_MAX) and may then succeed.",
        # Whatever the reference then did with the truncated value.
        "callable": "*", "arg": "*", "values": OUT_OF_RANGE_INTS,
        "ref": "any", "ours": ("mro", ("OverflowError", "libvirtError")),
    },
    {
        "id": "unsigned-full-range",
        "reason": "An unsigned C parameter takes its whole range: the "
                  "reference parses some with a signed format ('l' for "
                  "unsigned long, 'i' for a few unsigned int) and refuses "
                  "2**63 (2**31) with OverflowError before libvirt sees it; "
                  "ours passes the value, which the C type holds, to libvirt.",
        "callable": "*", "arg": "*", "values": ("int_2_31", "int_2_32", "int_2_63"),
        "ref": ("mro", ("OverflowError",)), "ours": "any",
    },
    {
        "id": "more-sequence-and-integer-forms",
        "reason": "Where a list (or tuple) of values is required, the "
                  "hand-written functions take any list or tuple, and any "
                  "__index__ object for an integer; the reference's C code "
                  "accepts only the one container type (PyList_Check or "
                  "PyTuple_Check) or only int. Nothing that works there "
                  "fails here; the value reaches libvirt, which decides.",
        "callable": "*", "arg": "*",
        "values": ("tuple_*", "list_*", "index_obj"),
        "ref": ("mro", ("TypeError",)), "ours": "reached",
    },
    {
        "id": "qemu-deregister-non-connection",
        "reason": "libvirt-python's qemuMonitorEventDeregister swallows its "
                  "own AttributeError, so any object that is not a "
                  "connection returns None without deregistering anything; "
                  "ours refuses it (ArgumentTypeError, a libvirtError).",
        "callable": "libvirt_qemu.qemuMonitorEventDeregister", "arg": "conn",
        "values": "*", "ref": "ok", "ours": ("mro", ("TypeError", "libvirtError")),
    },
    {
        "id": "lxc-enter-cgroup-failure",
        "reason": "libvirt-python's generated lxcEnterCGroup tests its int "
                  "result for None, so libvirt's failure comes back as -1; "
                  "ours raises libvirt's error.",
        "callable": "libvirt_lxc.lxcEnterCGroup", "arg": "*",
        "values": "*", "ref": "ok", "ours": ("mro", ("libvirtError",)),
        # Also the good call: libvirt 11.x's test driver fails it (no cgroups).
        "baseline": True,
    },
    {
        "id": "fs-mountpoints-not-a-list",
        "reason": "fsFreeze/fsThaw refuse a mountpoints value that is not a "
                  "list (or None); the reference treats any non-list as "
                  "'all filesystems' and freezes everything.",
        "callable": "virDomain.fs[FT]*", "arg": "mountpoints",
        # Everything but a list and None (tuples included: the reference
        # only takes a list).
        "values": "*", "not_values": ("none", "list_*"),
        "ref": "any", "ours": ("mro", ("TypeError", "libvirtError")),
    },
    {
        "id": "callback-not-callable",
        "reason": "A callback is checked for callability when it is "
                  "registered; the reference stores any object and fails "
                  "(or crashes) only when libvirt calls it.",
        # No battery value is callable (obj_wrong is a libvirt object).
        "callable": "*", "arg": CALLBACK_PARAMS, "values": "*",
        "ref": "any", "ours": ("mro", ("TypeError", "libvirtError")),
    },
]

# Exceptions of the reference that are artefacts of its implementation,
# not an interface a caller could rely on.  When the reference raises one of
# these and ours raises anything, the pair is reported as informational
# (like a reference crash), not as a difference.
REFERENCE_ARTEFACTS = {
    "SystemError": "a C function of the reference returned NULL without "
                   "setting an exception",
    "AttributeError": "the reference reads ._o of an argument that is not a "
                      "libvirt object (None, a str, ...)",
    "MemoryError": "the reference passes a negative size to malloc",
    "LookupError": "the reference's typed-parameter code looked a name up "
                   "and found nothing",
    "KeyError": "the reference indexed its internal tuple with the argument",
    "IndexError": "the reference indexed its internal tuple with the argument",
}

# Callables the sweep does not call, with why.  Globs over "Class.method",
# "module.function" or "Class()" (the constructor).
SKIPPED = {
    "libvirt.virEventRunDefaultImpl":
        "waits for the next event of the default loop: blocks forever",
}

# Classes whose methods need an object test:///default cannot make: the
# test driver implements no secret, nwfilter, nwfilter binding or network
# port.  Their constructors and the virConnect lookups are still swept.
NO_OBJECT = {
    "virSecret": "test:///default does not implement secrets",
    "virNWFilter": "test:///default does not implement nwfilters",
    "virNWFilterBinding": "test:///default does not implement nwfilter bindings",
    "virNetworkPort": "test:///default does not implement network ports",
}


# (callable glob, argument, battery kinds) the sweep does not pass, with why.
SKIPPED_VALUES = [
    ("virConnect.getFreePages", "maxCells", ("int_2_31", "int_2_32"),
     "libvirt fills maxCells x len(pages) counts: at 2**31 both bindings "
     "allocate and the test driver writes 16 GiB, as asked"),
]


def skip_value_reason(qualname, arg, kind):
    """Why battery value ``kind`` is not passed as ``arg``, or None."""
    for pattern, name, kinds, reason in SKIPPED_VALUES:
        if fnmatchcase(qualname, pattern) and arg == name and kind in kinds:
            return reason
    return None


def skip_reason(qualname):
    """Why ``qualname`` is not swept, or None."""
    for pattern, reason in SKIPPED.items():
        if fnmatchcase(qualname, pattern):
            return reason
    return None


def outcome_matches(pattern, outcome):
    if pattern == "any":
        return "ok" in outcome or "exc" in outcome
    if pattern == "ok":
        return "ok" in outcome
    if pattern == "raised":
        return "exc" in outcome
    if pattern == "reached":
        return "ok" in outcome or "libvirtError" in outcome.get("mro", ())
    kind, names = pattern
    assert kind == "mro", pattern
    return "exc" in outcome and all(n in outcome["mro"] for n in names)


def _glob_any(patterns, value):
    if isinstance(patterns, str):
        patterns = (patterns,)
    return any(fnmatchcase(value, p) for p in patterns)


def allowed_by(qualname, arg, kind, ref, ours):
    """The id of the first rule accepting this difference, or None.

    ``arg``/``kind`` are the varied parameter and battery kind (None for the
    baseline and the defaults-only call, which only a rule saying
    "baseline" accepts)."""
    for rule in ALLOWED:
        if arg is None:
            if rule.get("baseline") and _glob_any(rule["callable"], qualname) \
                    and outcome_matches(rule["ref"], ref) \
                    and outcome_matches(rule["ours"], ours):
                return rule["id"]
            continue
        if (_glob_any(rule["callable"], qualname) and _glob_any(rule["arg"], arg)
                and _glob_any(rule["values"], kind)
                and not _glob_any(rule.get("not_values", ()), kind)
                and outcome_matches(rule["ref"], ref)
                and outcome_matches(rule["ours"], ours)):
            return rule["id"]
    return None
