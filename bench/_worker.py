"""Benchmark worker, run by bench_calls.py once per interpreter and round.

Usage: ``python -I bench/_worker.py < config.json > results.json``
Standard library only and self-contained (-I leaves bench/ off sys.path),
so the same file runs unchanged under the reference and under ours.

config: {"uri", "extra_domains", "repeat", "min_time", "cpu",
         "calls": [{"stmt": str, "setup": str}]}
Statements run with the fixtures below as globals: libvirt, conn, pool, dom,
events.
"""

import json
import os
import sys
import time
import timeit

DOMAIN_XML = """<domain type='test'>
  <name>bench-%d</name>
  <memory unit='MiB'>64</memory>
  <os><type>hvm</type></os>
</domain>"""


class Events:
    """events.roundtrip(): one domain event, from the call that causes it to
    the Python callback, through libvirt's default event loop (started on
    first use, in a thread)."""

    def __init__(self, libvirt, conn, dom):
        import threading
        self.libvirt, self.conn, self.dom = libvirt, conn, dom
        self.arrived = threading.Event()
        self.started = False

    def _start(self):
        import threading
        libvirt = self.libvirt
        libvirt.virEventRegisterDefaultImpl()

        def loop():
            while True:
                libvirt.virEventRunDefaultImpl()
        threading.Thread(target=loop, daemon=True).start()
        self.conn.domainEventRegisterAny(
            self.dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
            lambda conn, dom, event, detail, opaque: self.arrived.set(), None)
        self.started = True

    def roundtrip(self):
        if not self.started:
            self._start()
        for change in (self.dom.suspend, self.dom.resume):
            self.arrived.clear()
            change()
            if not self.arrived.wait(10):
                raise RuntimeError("the event did not arrive")


def make_fixtures(uri, extra_domains):
    import libvirt
    conn = libvirt.open(uri)
    # Extra persistent domains so listAllDomains() returns a non-trivial list.
    for i in range(extra_domains):
        conn.defineXML(DOMAIN_XML % i)
    dom = conn.lookupByName("test")
    return {
        "libvirt": libvirt,
        "conn": conn,
        "pool": conn.storagePoolLookupByName("default-pool"),
        "dom": dom,
        "events": Events(libvirt, conn, dom),
    }


def summarize(value):
    """Type (and length) of a call's result, so the driver can flag calls
    where ours returns something of a different shape than the reference."""
    text = type(value).__name__
    if isinstance(value, (list, tuple, dict)):
        text += "[%d]" % len(value)
    return text


def time_call(stmt, setup, ns, repeat, min_time):
    timer = timeit.Timer(stmt, setup or "pass", timer=time.perf_counter, globals=ns)
    # Like Timer.autorange(), but with a configurable target duration;
    # it also warms up caches before the measured repeats.
    number = 1
    while True:
        if timer.timeit(number) >= min_time:
            break
        number *= 2
    times = timer.repeat(repeat=repeat, number=number)
    return number, [t / number * 1e9 for t in times]


def run(config):
    if config.get("cpu") is not None:
        os.sched_setaffinity(0, {config["cpu"]})
    ns = make_fixtures(config["uri"], config["extra_domains"])
    libvirt = ns["libvirt"]
    out = {
        "python": sys.version.split()[0],
        "libvirt_file": getattr(libvirt, "__file__", None),
        "lib_version": ns["conn"].getLibVersion(),
        "results": [],
    }
    for call in config["calls"]:
        entry = {"stmt": call["stmt"]}
        try:
            local = dict(ns)
            exec(call.get("setup") or "pass", local)
            try:
                code, is_expr = compile(call["stmt"], "<stmt>", "eval"), True
            except SyntaxError:  # a statement, e.g. "for d in ...: d.info()"
                code, is_expr = compile(call["stmt"], "<stmt>", "exec"), False
            # Run once untimed: errors surface here, and we record the result shape.
            result = eval(code, local)
            entry["result"] = summarize(result) if is_expr else None
            entry["number"], entry["ns"] = time_call(
                call["stmt"], call.get("setup"), dict(ns),
                config["repeat"], config["min_time"])
        except Exception as exc:  # ours may not implement everything yet
            entry["error"] = "%s: %s" % (type(exc).__name__, exc)
        out["results"].append(entry)
    return out


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
