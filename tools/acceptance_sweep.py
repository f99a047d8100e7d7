#!/usr/bin/env python3
"""Differential acceptance sweep: every public callable of libvirt-python
(the reference) x a battery of argument lists, run in the reference and in
libvirt-cffi, outcomes compared by class.

    python3 tools/acceptance_sweep.py [--ours PYTHON] [--ref PYTHON] [--json OUT]

Exit status 0 when every difference is allowlisted (tools/acceptance_rules.py)
and ours never crashes or hangs; 1 otherwise; 2 when a worker cannot run.

How: the reference's worker enumerates the cases from its own public surface
(inspect.signature of its wrappers): per callable one baseline argument list
of good values, the call with only the required arguments, and one variant
per (argument, battery value).  Each binding's worker (this file run with
--worker by that binding's interpreter, cwd a scratch directory) opens
test:///default once, prepares the objects, and forks a child per case: the
child makes the call and reports one JSON outcome over a pipe.  The
test driver lives in process memory, so every child starts from the same
state and destructive calls do not leak into later cases.  A child that dies
of a signal is a crash, one still running after --timeout (10 s: generous, so that a
loaded CI machine never turns a slow call into a hang) is a hang.

The reference's outcomes are cached (keyed by its version, its interpreter,
this file and the case list) so that the second build under test does not
redo them.
"""

import argparse
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from fnmatch import fnmatchcase

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
import acceptance_rules as rules  # noqa: E402

# --------------------------------------------------------------------------
# Argument battery.  A case's argument is a token: ["lit", json-value],
# ["obj", key-of-a-prepared-object] or ["bat", battery-kind].


class Index:
    """An int-like object: accepted wherever Python accepts an int index."""

    def __index__(self):
        return 1

    def __repr__(self):
        return "Index(1)"


def _battery():
    return OrderedDict([
        ("none", None), ("str_empty", ""), ("str_x", "x"),
        ("int_0", 0), ("int_m1", -1), ("int_1", 1),
        ("int_2_31", 2 ** 31), ("int_2_32", 2 ** 32),
        ("int_m2_63_m1", -2 ** 63 - 1), ("int_2_64", 2 ** 64),
        ("int_m2_31_m1", -2 ** 31 - 1), ("int_2_63", 2 ** 63),
        ("int_2_70", 2 ** 70), ("bool_true", True), ("float", 1.5),
        ("bytes_x", b"x"), ("bytes_empty", b""), ("str_nul", "a\0b"),
        ("str_36zeros", "0" * 36),
        ("bytes_16", bytes(range(16))), ("str_16", "abcdefghijklmnop"),
        ("list_empty", []), ("list_none", [None]), ("list_str", ["x"]),
        ("list_int", [0]), ("tuple_empty", ()), ("tuple_int", (0,)),
        ("dict_empty", {}), ("dict_x", {"x": 1}),
        ("index_obj", Index()),
    ])


BATTERY_KINDS = list(_battery()) + ["obj_wrong"]
# How a battery kind reads in a printed call.
_BATTERY_REPR = {"int_2_31": "2**31", "int_2_32": "2**32",
                 "int_m2_63_m1": "-2**63-1", "int_2_64": "2**64",
                 "int_2_70": "2**70", "int_m2_31_m1": "-2**31-1",
                 "int_2_63": "2**63", "str_36zeros": "'0'*36",
                 "bytes_16": "bytes(range(16))"}

# The classes whose methods are swept, and the prepared object each is
# called on (None: see rules.NO_OBJECT).
CLASSES = OrderedDict([
    ("virConnect", "conn"), ("virDomain", "dom"), ("virNetwork", "net"),
    ("virNetworkPort", None), ("virInterface", "iface"),
    ("virStoragePool", "pool"), ("virStorageVol", "vol"),
    ("virNodeDevice", "nodedev"), ("virSecret", None), ("virNWFilter", None),
    ("virNWFilterBinding", None), ("virStream", "stream"),
    ("virDomainSnapshot", "snap"), ("virDomainCheckpoint", "ckpt"),
])
MODULES = ("libvirt", "libvirt_qemu", "libvirt_lxc")

DOMAIN_XML = ("<domain type='test'><name>sweep</name><memory>8192</memory>"
              "<os><type>hvm</type></os></domain>")
# Checkpoints need a disk.
CKPT_DOMAIN_XML = ("<domain type='test'><name>sweepck</name><memory>8192</memory>"
                   "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
                   "<source file='/guest/ck.img'/><target dev='vda'/></disk>"
                   "</devices></domain>")
NETWORK_XML = "<network><name>sweepnet</name><bridge name='sweepbr0'/></network>"
POOL_XML = ("<pool type='dir'><name>sweeppool</name>"
            "<target><path>/sweep-pool</path></target></pool>")
VOL_XML = "<volume><name>sweep2.img</name><capacity>1024</capacity></volume>"
IFACE_XML = "<interface type='ethernet' name='sweep0'><start mode='none'/></interface>"

# Good values for a parameter of a given callable, then by parameter name.
# Strings starting with "$" name a prepared object (see prepare()).
GOOD_BY_CALLABLE = {
    ("virConnect.lookupByName", "name"): "test",
    ("virConnect.networkLookupByName", "name"): "default",
    ("virConnect.storagePoolLookupByName", "name"): "default-pool",
    ("virConnect.interfaceLookupByName", "name"): "$iface_name",
    ("virConnect.nodeDeviceLookupByName", "name"): "computer",
    ("virStoragePool.storageVolLookupByName", "name"): "sweep.img",
    ("virDomain.snapshotLookupByName", "name"): "snap1",
    ("virDomain.checkpointLookupByName", "name"): "ck1",
    ("virConnect.lookupByID", "id"): "$dom_id",
    ("virConnect.storageVolLookupByPath", "path"): "$vol_path",
    ("virConnect.storageVolLookupByKey", "key"): "$vol_key",
    ("virConnect.storagePoolLookupByTargetPath", "path"): "$pool_path",
    ("virConnect.interfaceLookupByMACString", "macstr"): "$iface_mac",
    ("virConnect.nodeDeviceEventRegisterAny", "dev"): "$nodedev",
    ("virDomain.rename", "new_name"): "renamed",
    ("virDomain.setMetadata", "key"): "sweep",
    ("virDomain.setMetadata", "uri"): "http://example.org/sweep",
    ("virDomain.setMetadata", "metadata"): "<sweep/>",
    ("virDomain.metadata", "uri"): None,
    ("virDomain.metadata", "type"): 0,
    # libvirt 9.7's network metadata, as the domain's.
    ("virNetwork.setMetadata", "key"): "sweep",
    ("virNetwork.setMetadata", "uri"): "http://example.org/sweep",
    ("virNetwork.setMetadata", "metadata"): "<sweep/>",
    ("virNetwork.metadata", "uri"): None,
    ("virNetwork.metadata", "type"): 0,
    ("virStoragePool.createXML", "xmlDesc"): VOL_XML,
    ("virStoragePool.createXMLFrom", "xmlDesc"): VOL_XML,
    ("virDomain.snapshotCreateXML", "xmlDesc"):
        "<domainsnapshot><name>snap2</name></domainsnapshot>",
    ("virDomain.checkpointCreateXML", "xmlDesc"):
        "<domaincheckpoint><name>ck2</name></domaincheckpoint>",
    ("virConnect.interfaceDefineXML", "xml"): IFACE_XML,
    ("libvirt.open", "name"): "test:///default",
    ("libvirt.openReadOnly", "name"): "test:///default",
    ("libvirt.openAuth", "uri"): "test:///default",
    ("virConnect.secretLookupByUsage", "usageID"): "sweep",
    ("virConnect.getFreePages", "pages"): [4],
    ("virConnect.getFreePages", "maxCells"): 1,
}
# Domain, network and pool XML by the creating/defining callable's name.
GOOD_XML_BY_PREFIX = (("virConnect.network", NETWORK_XML),
                      ("virConnect.storagePool", POOL_XML),
                      ("virConnect.defineXML", DOMAIN_XML),
                      ("virConnect.createXML", DOMAIN_XML),
                      ("virConnect.createLinux", DOMAIN_XML))
GOOD_BY_NAME = {
    "flags": 0, "disk": "vda", "path": "vda", "conn": "$conn", "dconn": "$conn", "dom": "$dom",
    "domain": "$dom", "net": "$net", "pool": "$pool", "vol": "$vol",
    "clonevol": "$vol", "stream": "$stream", "st": "$stream", "snap": "$snap",
    "opaque": None, "ctx": None, "params": {}, "cpumap": "$cpumap",
    "mountpoints": None, "eventID": 0, "callbackID": 0, "autostart": 0,
    "keycodes": [1], "nkeycodes": 1, "files": [], "doms": ["$dom"],
    "stats": 0, "data": "$bytes", "nbytes": 1, "value": "$bytes", "auth": "$auth",
    "_obj": None, "defmsg": "x", "name": "x", "uri": None, "dname": None,
    "duri": "test:///default", "dconnuri": "test:///default", "miguri": None,
    "xml": "", "xmlDesc": "", "dxml": None, "uuid": "$dom_uuid",
    "uuidstr": "$dom_uuidstr", "cmd": "", "event": None, "types": 0,
    "keys": [], "timeout": 0, "events": 0, "fd": 0, "watch": 0, "timer": 0,
}
CALLBACK_PARAMS = rules.CALLBACK_PARAMS
_NO_DEFAULT = object()  # a parameter without a default (None is a default)


def _good(qualname, pname, default):
    """Token of a good value for parameter ``pname`` of ``qualname``."""
    value = 0
    if (qualname, pname) in GOOD_BY_CALLABLE:
        value = GOOD_BY_CALLABLE[(qualname, pname)]
    elif pname in CALLBACK_PARAMS:
        value = "$callable"
    elif pname in ("uuid", "uuidstr"):
        # The UUID of an object that the looking-up callable can find.
        owner = "dom"
        if ".network" in qualname:
            owner = "net"
        elif ".storagePool" in qualname:
            owner = "pool"
        value = "$%s_%s" % (owner, pname)
    elif pname in ("xml", "xmlDesc") and any(
            qualname.startswith(p) for p, _ in GOOD_XML_BY_PREFIX):
        value = [x for p, x in GOOD_XML_BY_PREFIX if qualname.startswith(p)][0]
    elif pname in GOOD_BY_NAME:
        value = GOOD_BY_NAME[pname]
    elif default is None or isinstance(default, (int, str)):
        value = default  # the wrapper's own default
    if isinstance(value, str) and value.startswith("$"):
        return ["obj", value[1:]]
    return ["lit", value]


def _wrong_object(good):
    """An object of the wrong class for a parameter whose good value is ``good``."""
    if good[0] == "obj" and good[1] == "conn":
        return ["obj", "dom"]
    if good[0] == "obj" and good[1] == "dom":
        return ["obj", "pool"]
    if good[0] == "obj":
        return ["obj", "conn"]
    return ["obj", "dom"]


def enumerate_cases():
    """The case list, from this interpreter's libvirt (run in the reference)."""
    import importlib
    import inspect

    targets = []  # (qualname, self key or None, function)
    for mod_name in MODULES:
        mod = importlib.import_module(mod_name)
        for name in sorted(vars(mod)):
            obj = getattr(mod, name)
            if (name.startswith("_") or not inspect.isfunction(obj)
                    or obj.__module__ != mod_name):
                continue
            targets.append(("%s.%s" % (mod_name, name), None, obj))
    import libvirt
    for cls_name, key in CLASSES.items():
        cls = getattr(libvirt, cls_name, None)
        if cls is None:
            continue
        targets.append(("%s()" % cls_name, None, cls.__init__))
        if key is None:
            continue
        for name in sorted(vars(cls)):
            if not name.startswith("_") and inspect.isfunction(vars(cls)[name]):
                targets.append(("%s.%s" % (cls_name, name), key, vars(cls)[name]))
    targets.append(("libvirtError()", None, libvirt.libvirtError.__init__))

    cases, skipped = [], {}
    for qualname, self_key, func in targets:
        reason = rules.skip_reason(qualname)
        if reason:
            skipped[qualname] = reason
            continue
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if self_key is not None or qualname.endswith("()"):
            params = params[1:]  # self
        names = [p.name for p in params]
        good = [_good(qualname, p.name,
                      _NO_DEFAULT if p.default is p.empty else p.default)
                for p in params]
        base = {"c": qualname, "self": self_key, "names": names}
        cases.append(dict(base, args=good, vary=None))
        required = sum(1 for p in params if p.default is p.empty)
        if required < len(params):
            cases.append(dict(base, args=good[:required], vary="defaults"))
        for i, pname in enumerate(names):
            variants = [["bat", k] for k in BATTERY_KINDS if k != "obj_wrong"]
            variants.append(_wrong_object(good[i]))
            for kind, token in zip(BATTERY_KINDS, variants):
                if _same_value(token, good[i]) or \
                        rules.skip_value_reason(qualname, pname, kind):
                    continue
                args = list(good)
                args[i] = token
                cases.append(dict(base, args=args, vary=[pname, kind]))
    return cases, skipped


_BATTERY = _battery()  # for enumerating and printing only: calls get fresh ones


def _same_value(token, good):
    if token[0] != "bat" or good[0] != "lit":
        return False
    value = _BATTERY[token[1]]
    return type(value) is type(good[1]) and value == good[1]


def token_repr(token):
    kind, value = token
    if kind == "obj":
        return "$" + value
    if kind == "bat":
        return _BATTERY_REPR.get(value, repr(_BATTERY[value]))
    return repr(value)


def case_repr(case):
    call = case["c"]
    if call.endswith("()"):
        call = call[:-2]
    args = ", ".join(token_repr(t) for t in case["args"])
    if case["self"]:
        call = "$%s.%s" % (case["self"], call.split(".", 1)[1])
    return "%s(%s)" % (call, args)


# --------------------------------------------------------------------------
# Worker: runs in a binding's interpreter.


def prepare(libvirt):
    """Open test:///default and make the objects the cases refer to."""
    conn = libvirt.open("test:///default")
    dom = conn.lookupByName("test")
    pool = conn.storagePoolLookupByName("default-pool")
    net = conn.networkLookupByName("default")
    # The test driver refuses a checkpoint and a snapshot on one domain.
    ckdom = conn.createXML(CKPT_DOMAIN_XML, 0)
    ckpt = ckdom.checkpointCreateXML(
        "<domaincheckpoint><name>ck1</name></domaincheckpoint>", 0)
    snap = dom.snapshotCreateXML(
        "<domainsnapshot><name>snap1</name></domainsnapshot>", 0)
    vol = pool.createXML(
        "<volume><name>sweep.img</name><capacity>1024</capacity></volume>", 0)
    iface = conn.listAllInterfaces()[0]
    nodedev = conn.nodeDeviceLookupByName("computer")

    def callback(*args):
        return 0

    objs = {
        "conn": conn, "dom": dom, "pool": pool, "net": net, "vol": vol,
        "iface": iface, "nodedev": nodedev, "snap": snap, "ckpt": ckpt,
        "stream": conn.newStream(0), "callable": callback, "cpumap": (True,), "bytes": b"x",
        "auth": [[libvirt.VIR_CRED_AUTHNAME], callback, None],
        "dom_id": dom.ID(), "dom_uuid": dom.UUID(), "dom_uuidstr": dom.UUIDString(),
        "net_uuid": net.UUID(), "net_uuidstr": net.UUIDString(),
        "pool_uuid": pool.UUID(), "pool_uuidstr": pool.UUIDString(),
        "vol_path": vol.path(), "vol_key": vol.key(),
        "pool_path": "/default-pool", "iface_name": iface.name(),
        "iface_mac": iface.MACString(),
    }
    return objs


def _resolve(token, objs, battery):
    kind, value = token
    if kind == "obj":
        return objs[value]
    if kind == "bat":
        return battery[value]
    if isinstance(value, list):
        return [_resolve(["obj", v[1:]], objs, battery)
                if isinstance(v, str) and v.startswith("$") else v for v in value]
    return value


def _callable(case):
    import importlib
    import libvirt
    qualname = case["c"]
    if qualname.endswith("()"):
        return getattr(libvirt, qualname[:-2])
    owner, name = qualname.split(".", 1)
    if case["self"] is None:
        return getattr(importlib.import_module(owner), name)
    return name  # a method: looked up on the object


def describe_result(value):
    out = {"ok": type(value).__name__}
    if isinstance(value, (list, tuple)):
        out["len"] = len(value)
        if value:
            out["elem"] = type(value[0]).__name__
    elif isinstance(value, dict):
        out["len"] = len(value)
    return out


def describe_exception(exc):
    out = {"exc": type(exc).__name__,
           "mro": [c.__name__ for c in type(exc).__mro__],
           "msg": str(exc)[:160]}
    code = getattr(exc, "get_error_code", None)
    if callable(code):
        try:
            out["code"] = code()
        except Exception:
            pass
    return out


def _run_case(case, objs):
    # Fresh battery values: a call may change a list it was given, and the
    # next case in this child must not see that.
    battery = _battery()
    try:
        func = _callable(case)
        args = [_resolve(t, objs, battery) for t in case["args"]]
        if isinstance(func, str):
            func = getattr(objs[case["self"]], func)
        return describe_result(func(*args))
    except BaseException as exc:  # noqa: B902 - SystemExit counts too
        return describe_exception(exc)


# Methods that keep state in the binding (callback tables on the
# connection, ...) even when they raise.
_STATEFUL_METHODS = ("*egister*", "*Callback*", "close")


def _isolated(case):
    """Whether a case must run alone in a fresh fork."""
    if case["self"] is None:
        # Module functions and constructors: event loop, error handler and
        # last error are module state.
        return True
    method = case["c"].split(".", 1)[1]
    return any(fnmatchcase(method, p) for p in _STATEFUL_METHODS)


def _child(cases, indices, objs, wfd, cwd):
    """Run cases from ``indices`` in order, one JSON line each, until one
    may have changed the state; then exit, so that the next case starts in
    a fresh fork.

    A call that raised is taken to have changed nothing (libvirt's test
    driver checks before it acts), so the child goes on with the next case:
    forking is the sweep's main cost.  A call that returned may have changed
    the driver; and the _isolated() ones keep state in the binding even
    when they fail: the child stops after either, and an isolated case is
    only ever run first in a child."""
    # Files the calls write (domain save to "x", ...) must not be seen by
    # later cases: each child has its own empty directory.
    os.chdir(cwd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stdout carries the worker's JSON
    os.dup2(devnull, 2)  # libvirt's default error handler prints every error
    import libvirt
    for n, i in enumerate(indices):
        if n and _isolated(cases[i]):
            break  # starts from a fresh fork
        # As in a fresh fork: no error left over from the previous case
        # (a libvirtError raised without a libvirt call reports it).
        libvirt.virResetLastError()
        out = _run_case(cases[i], objs)
        data = (json.dumps(out) + "\n").encode()
        while data:
            data = data[os.write(wfd, data):]
        if "ok" in out or _isolated(cases[i]):
            break
    os._exit(0)


class _Shard:
    """A contiguous run of cases, worked through by successive children."""

    def __init__(self, indices):
        self.indices = indices
        self.pos = 0          # next case without an outcome
        self.pid = None
        self.rfd = None
        self.buf = b""
        self.deadline = 0.0
        self.written = 0      # outcomes the current child wrote
        self.cwd = None       # its directory


def run_worker(cases, jobs, timeout):
    import libvirt
    objs = prepare(libvirt)
    results = [None] * len(cases)
    scratch = os.getcwd()  # the driver's scratch directory for this worker
    size = max(1, -(-len(cases) // jobs))
    shards = [_Shard(list(range(s, min(s + size, len(cases)))))
              for s in range(0, len(cases), size)]
    sys.stdout.flush()

    def start(shard):
        rfd, wfd = os.pipe()
        shard.cwd = tempfile.mkdtemp(dir=scratch)
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            _child(cases, shard.indices[shard.pos:], objs, wfd, shard.cwd)
        os.close(wfd)
        shard.pid, shard.rfd, shard.buf, shard.written = pid, rfd, b"", 0
        shard.deadline = time.monotonic() + timeout

    def record(shard, outcome):
        results[shard.indices[shard.pos]] = outcome
        shard.pos += 1

    def reap(shard, killed=False):
        os.close(shard.rfd)
        _, status = os.waitpid(shard.pid, 0)
        shutil.rmtree(shard.cwd, ignore_errors=True)
        shard.pid = shard.rfd = None
        if killed:
            record(shard, {"hang": "timeout"})
        elif os.WIFSIGNALED(status):
            record(shard, {"crash": _signal_name(os.WTERMSIG(status))})
        elif shard.written == 0 or os.WEXITSTATUS(status) != 0:
            # Never loop on a case whose child leaves without an outcome.
            record(shard, {"crash": "exit %d without an outcome"
                                    % os.WEXITSTATUS(status)})

    while True:
        for shard in shards:
            if shard.pid is None and shard.pos < len(shard.indices):
                start(shard)
        running = {s.rfd: s for s in shards if s.pid is not None}
        if not running:
            break
        wait = max(0.0, min(s.deadline for s in running.values()) - time.monotonic())
        ready, _, _ = select.select(list(running), [], [], wait)
        for rfd in ready:
            shard = running[rfd]
            chunk = os.read(rfd, 65536)
            if not chunk:
                reap(shard)
                continue
            shard.buf += chunk
            *done, shard.buf = shard.buf.split(b"\n")
            for line in done:
                record(shard, json.loads(line.decode()))
                shard.written += 1
            if done:
                shard.deadline = time.monotonic() + timeout
        now = time.monotonic()
        for shard in running.values():
            if shard.pid is not None and shard.deadline <= now:
                os.kill(shard.pid, signal.SIGKILL)
                reap(shard, killed=True)
    return results


def _signal_name(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return str(sig)


def worker_main(args):
    if args.enumerate:
        cases, skipped = enumerate_cases()
        try:
            from importlib.metadata import version
            ref_version = version("libvirt-python")
        except Exception:
            import libvirt
            ref_version = str(libvirt.getVersion())
        json.dump({"version": ref_version, "cases": cases, "skipped": skipped},
                  sys.stdout)
        return 0
    with open(args.cases) as f:
        cases = json.load(f)
    json.dump(run_worker(cases, args.jobs, args.timeout), sys.stdout)
    return 0


# --------------------------------------------------------------------------
# Driver: runs the workers and compares.

# Table rows: (key, description, counts as a failure)
ROWS = [
    ("ref_err_ours_type", "the reference reaches libvirt (libvirtError), "
                          "ours raises a plain TypeError", True),
    ("ref_err_ours_overflow", "... ours raises OverflowError (not a libvirtError)", True),
    ("ref_err_ours_value", "... ours raises ValueError (not a libvirtError)", True),
    ("ref_err_ours_other", "... ours raises another non-libvirtError", True),
    ("ref_ok_ours_raises", "the reference succeeds, ours raises", True),
    ("both_ok_differ", "both accept, outcome differs", True),
    ("both_raise_differ", "the reference raises X (not libvirtError), "
                          "ours raises something not an X", True),
    ("ours_crash", "ours crashes or hangs (must be 0)", True),
    ("ref_artefact", "the reference raises an artefact of its implementation "
                     "(SystemError, AttributeError, ...), ours raises "
                     "something else (informational)", False),
    ("ref_crash", "the reference crashes or hangs (informational)", False),
    ("ref_rejects_ours_accepts", "the reference rejects, ours accepts "
                                 "(informational)", False),
]
ROW_DESC = {k: d for k, d, _ in ROWS}
FAILING_ROWS = {k for k, _, f in ROWS if f}


def classify(ref, ours):
    """The table row of a (reference, ours) outcome pair, or None if they match."""
    if "ok" not in ours and "exc" not in ours:
        return "ours_crash"
    if "ok" not in ref and "exc" not in ref:
        return "ref_crash"
    if "ok" in ref:
        if "exc" in ours:
            return "ref_ok_ours_raises"
        if (ref["ok"], ref.get("elem")) != (ours["ok"], ours.get("elem")):
            return "both_ok_differ"
        return None
    if "ok" in ours:
        return "ref_rejects_ours_accepts"
    if ref["exc"] == "libvirtError":
        if "libvirtError" in ours["mro"]:
            return None
        return {"TypeError": "ref_err_ours_type",
                "OverflowError": "ref_err_ours_overflow",
                "ValueError": "ref_err_ours_value"}.get(ours["exc"], "ref_err_ours_other")
    if ref["exc"] in ours["mro"]:
        return None
    if ref["exc"] in rules.REFERENCE_ARTEFACTS:
        return "ref_artefact"
    return "both_raise_differ"


def compare(cases, ref_results, our_results):
    """Every difference: dicts with the case, both outcomes, row and rule."""
    diffs = []
    for case, ref, ours in zip(cases, ref_results, our_results):
        row = classify(ref, ours)
        if row is None:
            continue
        arg, kind = case["vary"] if isinstance(case["vary"], list) else (None, None)
        diffs.append({"callable": case["c"], "call": case_repr(case),
                      "vary": case["vary"], "arg": arg, "kind": kind,
                      "ref": ref, "ours": ours, "row": row,
                      "allowed_by": rules.allowed_by(case["c"], arg, kind, ref, ours)})
    return diffs


def failures(diffs):
    return [d for d in diffs if d["row"] in FAILING_ROWS and not d["allowed_by"]]


def outcome_repr(outcome):
    if "ok" in outcome:
        elem = "[%s]" % outcome["elem"] if "elem" in outcome else ""
        return "-> %s%s" % (outcome["ok"], elem)
    if "exc" in outcome:
        extra = [n for n in ("libvirtError", "OverflowError", "TypeError", "ValueError")
                 if n in outcome["mro"] and n != outcome["exc"]]
        code = " code=%s" % outcome["code"] if "code" in outcome else ""
        return "!! %s%s%s" % (outcome["exc"], "(+%s)" % ",".join(extra) if extra else "", code)
    return "** %s" % (outcome.get("crash") or outcome.get("hang"))


def format_table(diffs, examples=3):
    lines = ["| pattern | pairs | not allowlisted | examples |",
             "|---|---:|---:|---|"]
    for key, desc, _ in ROWS:
        rows = [d for d in diffs if d["row"] == key]
        left = [d for d in rows if not d["allowed_by"]]
        ex = "; ".join("`%s` ref %s, ours %s" % (d["call"], outcome_repr(d["ref"]),
                                                 outcome_repr(d["ours"]))
                       for d in (left or rows)[:examples])
        lines.append("| %s | %d | %d | %s |" % (desc, len(rows), len(left), ex))
    return "\n".join(lines)


def _cache_path(ref_python, version, cases, timeout):
    with open(os.path.abspath(__file__), "rb") as f:
        source = f.read()
    key = hashlib.sha256()
    for part in (os.path.realpath(ref_python).encode(), version.encode(), source,
                 json.dumps(cases, sort_keys=True).encode(), str(timeout).encode()):
        key.update(part)
        key.update(b"\0")
    cache_dir = os.path.join(tempfile.gettempdir(), "libvirt-cffi-acceptance")
    return os.path.join(cache_dir, "ref-%s-%s.json" % (version, key.hexdigest()[:20]))


def _worker_cmd(python, *extra):
    # -I: neither the script's directory nor the cwd on sys.path, so no
    # source-tree libvirt/ can shadow the binding under test.
    return [python, "-I", os.path.abspath(__file__), "--worker"] + list(extra)


def _run_json(proc, what):
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError("%s worker failed (exit %s):\n%s"
                           % (what, proc.returncode, err.decode()[-3000:]))
    return json.loads(out.decode())


def run(ours, ref, timeout=10.0, jobs=None, log=None):
    """Run the sweep; returns (cases, skipped, diffs, timings)."""
    log = log or (lambda msg: None)
    scratch = tempfile.mkdtemp(prefix="acceptance-sweep-")
    # Files the calls write (domain save/coreDump to "x", ...) land here.
    popen = dict(cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Each worker a directory of its own: the children's files stay apart.
    ours_popen = dict(popen, cwd=tempfile.mkdtemp(dir=scratch))
    ref_popen = dict(popen, cwd=tempfile.mkdtemp(dir=scratch))
    t0 = time.monotonic()
    enum = _run_json(subprocess.Popen(_worker_cmd(ref, "--enumerate"), **popen),
                     "reference enumeration")
    cases = enum["cases"]
    cases_file = os.path.join(scratch, "cases.json")
    with open(cases_file, "w") as f:
        json.dump(cases, f)
    cache = _cache_path(ref, enum["version"], cases, timeout)
    ref_results = None
    if os.path.exists(cache):
        with open(cache) as f:
            ref_results = json.load(f)
        log("reference outcomes from cache %s" % cache)
    ncpu = jobs or os.cpu_count() or 1
    per_worker = max(1, ncpu // (1 if ref_results is not None else 2))
    cmd_tail = ["--cases", cases_file, "--jobs", str(per_worker),
                "--timeout", str(timeout)]
    timings = {}
    started = time.monotonic()
    ours_proc = subprocess.Popen(_worker_cmd(ours, *cmd_tail), **ours_popen)
    ref_proc = None
    if ref_results is None:
        ref_proc = subprocess.Popen(_worker_cmd(ref, *cmd_tail), **ref_popen)
    log("%d cases, ours%s running (%d children each)"
        % (len(cases), "" if ref_proc is None else " and the reference", per_worker))
    our_results = _run_json(ours_proc, "our")
    timings["ours"] = time.monotonic() - started
    if ref_proc is not None:
        ref_results = _run_json(ref_proc, "reference")
        timings["ref"] = time.monotonic() - started
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tmp = cache + ".%d.tmp" % os.getpid()
        with open(tmp, "w") as f:
            json.dump(ref_results, f)
        os.replace(tmp, cache)
    timings["total"] = time.monotonic() - t0
    shutil.rmtree(scratch, ignore_errors=True)
    diffs = compare(cases, ref_results, our_results)
    return cases, enum["skipped"], diffs, timings


def _default_ours():
    return os.path.join(REPO, ".venv", "bin", "python")


def _default_ref():
    import reference_env
    return str(reference_env.venv_python(reference_env.default_venv()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--enumerate", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cases", help=argparse.SUPPRESS)
    ap.add_argument("--ours", default=None, help="our python (default: .venv)")
    ap.add_argument("--ref", default=None,
                    help="reference python (default: $LIBVIRT_REF_VENV/bin/python)")
    ap.add_argument("--json", default=None, help="write the differences here")
    ap.add_argument("--jobs", type=int, default=None,
                    help="concurrent children (default: one per core)")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds a call may take before it counts as a hang")
    ap.add_argument("--examples", type=int, default=3)
    args = ap.parse_args(argv)
    if args.worker:
        args.jobs = args.jobs or 1
        return worker_main(args)

    # Absolute, not resolved: a venv's python is a symlink that must stay one.
    ours = os.path.abspath(args.ours or _default_ours())
    ref = os.path.abspath(args.ref or _default_ref())
    for what, python in (("ours", ours), ("reference", ref)):
        if not os.path.exists(python):
            print("acceptance_sweep: %s interpreter %s not found" % (what, python),
                  file=sys.stderr)
            return 2
    try:
        cases, skipped, diffs, timings = run(
            ours, ref, args.timeout, args.jobs,
            log=lambda m: print("acceptance_sweep: " + m, file=sys.stderr, flush=True))
    except RuntimeError as exc:
        print("acceptance_sweep: %s" % exc, file=sys.stderr)
        return 2
    print(report(cases, skipped, diffs, timings, args.examples))
    if args.json:
        write_json(args.json, cases, skipped, diffs, timings)
    return 1 if failures(diffs) else 0


def report(cases, skipped, diffs, timings, examples=3):
    out = ["acceptance sweep: %d cases, %d callables, %s"
           % (len(cases), len({c["c"] for c in cases}),
              ", ".join("%s %.1f s" % kv for kv in sorted(timings.items()))),
           "skipped: " + "; ".join("%s (%s)" % kv for kv in sorted(skipped.items())),
           "no object in test:///default: " + "; ".join(
               "%s (%s)" % kv for kv in sorted(rules.NO_OBJECT.items())),
           "", format_table(diffs, examples), ""]
    allowed = {}
    for d in diffs:
        if d["allowed_by"]:
            allowed[d["allowed_by"]] = allowed.get(d["allowed_by"], 0) + 1
    out.append("allowlisted: " + (", ".join("%s %d" % kv for kv in sorted(allowed.items()))
                                  or "none"))
    bad = failures(diffs)
    out.append("differences not allowlisted: %d" % len(bad))
    for d in bad:
        out.append("  [%s] %s: ref %s, ours %s" % (d["row"], d["call"],
                                                   outcome_repr(d["ref"]),
                                                   outcome_repr(d["ours"])))
    return "\n".join(out)


def write_json(path, cases, skipped, diffs, timings):
    by_callable = OrderedDict()
    for d in sorted(diffs, key=lambda d: d["callable"]):
        by_callable.setdefault(d["callable"], []).append(
            {"args": d["call"], "vary": d["vary"], "ref": d["ref"], "ours": d["ours"],
             "row": d["row"], "row_desc": ROW_DESC[d["row"]],
             "allowed_by": d["allowed_by"]})
    counts = OrderedDict()
    for key, desc, _ in ROWS:
        rows = [d for d in diffs if d["row"] == key]
        counts[key] = {"desc": desc, "pairs": len(rows),
                       "not_allowlisted": sum(1 for d in rows if not d["allowed_by"])}
    with open(path, "w") as f:
        json.dump({"cases": len(cases), "timings": timings, "skipped": skipped,
                   "table": counts, "by_callable": by_callable}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
