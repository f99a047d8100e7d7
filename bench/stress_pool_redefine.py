#!/usr/bin/env python3
"""Stress libvirt's pool locking through the binding: N rounds of "start a
slow pool, redefine it from another thread, destroy", against libvirt's real
storage driver in a private libvirtd.

    .venv/bin/python bench/stress_pool_redefine.py [--rounds 20] [--volumes 3000]

Each round:
  - thread "start" calls pool.create() on a dir pool whose directory holds
    many files, so libvirt's start (a refresh that opens every volume) is slow;
  - thread "redefine" calls storagePoolDefineXML() with a new definition of the
    same pool once the start has begun (the definitions differ in one marker);
  - thread "other" keeps calling conn.getLibVersion() on a third connection;
  - then the pool is destroyed.
It prints the counts of each outcome libvirt gave, the number of
inconsistent states (must be 0), and how many callers were inside libvirt at
once, with how many calls the other threads completed while a start was
running: proof that the binding releases the GIL and serialises nothing.

A state is inconsistent when libvirt's rules do not hold: a started pool runs
the definition it had when its start began, and a redefinition made during
the start is pending (the inactive definition) until the pool is destroyed,
when it becomes the definition.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import threading
import time

try:
    import libvirt
except ImportError:
    sys.exit("run it with the interpreter libvirt-cffi is installed in, "
             "e.g. .venv/bin/python (bash scripts/setup.sh makes it)")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tools"))
from private_libvirtd import PrivateLibvirtd  # noqa: E402

POOL = "stress-pool"
UUID = "5a1d3a4e-3f2b-4b8a-9c51-0e7d2f6a1b01"
# What tells the definitions apart: the target path. (Not the permissions:
# a running pool's definition shows the directory's real mode.) The new
# definition's directory never has to exist: it is never started.
SUFFIX = {"old": "", "new": "-redefined"}


def pool_xml(path: str, which: str) -> str:
    return ("<pool type='dir'><name>%s</name><uuid>%s</uuid><target><path>%s%s</path>"
            "</target></pool>" % (POOL, UUID, path, SUFFIX[which]))


def definition(pool, flags: int) -> str:
    xml = pool.XMLDesc(flags)
    if "-redefined</path>" in xml:
        return "new"
    return "old" if "</path>" in xml else "unknown"


class InLibvirt:
    """Counts the callers inside a libvirt call at once (the largest count
    seen is the proof that calls overlap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self):
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc):
        with self._lock:
            self.now -= 1


def error_name(error: libvirt.libvirtError) -> str:
    code = error.get_error_code()
    names = [n for n in dir(libvirt) if n.startswith("VIR_ERR_")
             and getattr(libvirt, n) == code]
    return names[0] if names else str(code)


def make_volumes(path: str, count: int, owner) -> None:
    os.makedirs(path, exist_ok=True)
    for i in range(count):
        name = os.path.join(path, "vol-%05d.img" % i)
        with open(name, "wb") as stream:
            stream.write(b"\0" * 512)
        if owner:
            os.chown(name, *owner)
    if owner:
        os.chown(path, *owner)


def one_round(uri: str, path: str, in_libvirt: InLibvirt, outcomes, jitter: float):
    conns = [libvirt.open(uri) for _ in range(3)]
    starter, redefiner, other = conns
    pool = starter.storagePoolDefineXML(pool_xml(path, "old"), 0)
    began = threading.Event()
    done = threading.Event()
    times = {}
    results = {}

    def start():
        began.set()
        times["start"] = time.monotonic()
        try:
            with in_libvirt:
                pool.create(0)
            results["start"] = "ok"
        except libvirt.libvirtError as error:
            results["start"] = error_name(error)
        times["start_end"] = time.monotonic()
        done.set()

    def redefine():
        began.wait()
        time.sleep(jitter)
        times["define"] = time.monotonic()
        try:
            with in_libvirt:
                redefiner.storagePoolDefineXML(pool_xml(path, "new"), 0)
            results["define"] = "ok"
        except libvirt.libvirtError as error:
            results["define"] = error_name(error)
        times["define_end"] = time.monotonic()

    def keep_calling():
        began.wait()
        calls = 0
        while not done.is_set():
            with in_libvirt:
                other.getLibVersion()
            calls += 1
        results["other_calls"] = calls

    threads = [threading.Thread(target=f) for f in (start, redefine, keep_calling)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if any(thread.is_alive() for thread in threads):
        raise SystemExit("a call hung for 120 s")

    live = definition(pool, 0)
    pending = definition(pool, libvirt.VIR_STORAGE_XML_INACTIVE)
    active = pool.isActive()
    redefined_during_start = times["define"] < times["start_end"] and \
        times["define_end"] > times["start"]
    order = ("redefine returned before the start"
             if times["define_end"] < times["start_end"] else
             "redefine returned after the start")
    outcomes["start: " + results["start"]] += 1
    outcomes["redefine: " + results["define"]] += 1
    outcomes[order] += 1
    outcomes["redefine issued while the start ran" if redefined_during_start
             else "redefine issued after the start returned"] += 1
    outcomes["live/pending after both: %s/%s" % (live, pending)] += 1

    consistent = True
    if results["start"] == "ok":
        # Running: the definition in use never changes; a redefinition made
        # while starting is pending. Only a redefinition libvirt took before
        # the start began (then the start used it) leaves new/new.
        consistent &= active == 1 and pending == "new"
        consistent &= live == "old" or (live == "new" and redefined_during_start
                                        and order.endswith("before the start"))
    else:
        consistent &= active == 0 and live == pending == "new"
    if active:
        pool.destroy()
    after_destroy = definition(pool, 0)
    outcomes["definition after destroy: " + after_destroy] += 1
    consistent &= after_destroy == "new" and pool.isActive() == 0
    pool.undefine()
    for conn in conns:
        conn.close()
    return consistent, results.get("other_calls", 0), times["start_end"] - times["start"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--volumes", type=int, default=8000,
                        help="files in the pool directory: how slow a start is")
    args = parser.parse_args()
    outcomes = collections.Counter()
    in_libvirt = InLibvirt()
    inconsistent = 0
    other_calls = []
    durations = []
    with PrivateLibvirtd() as daemon:
        path = os.path.join(daemon.workdir, "stress-pool")
        owner = None
        if os.geteuid() == 0 and daemon.user:
            import pwd
            entry = pwd.getpwnam(daemon.user)
            owner = (entry.pw_uid, entry.pw_gid)
        make_volumes(path, args.volumes, owner)
        print("libvirt-cffi %s mode, libvirt %d, daemon %s (as %s), %d volumes"
              % (libvirt._core.MODE, libvirt.getVersion(), daemon.uri, daemon.user,
                 args.volumes))
        for _ in range(args.rounds):
            # The redefinition lands somewhere inside the start (or just after).
            jitter = random.uniform(0, 0.8 * (sorted(durations)[len(durations) // 2]
                                               if durations else 0.05))
            ok, calls, duration = one_round(daemon.uri, path, in_libvirt, outcomes, jitter)
            inconsistent += not ok
            other_calls.append(calls)
            durations.append(duration)
    print("\n%d rounds; outcomes:" % args.rounds)
    for outcome, count in sorted(outcomes.items()):
        print("  %-52s %d" % (outcome, count))
    print("\ninconsistent states: %d" % inconsistent)
    print("callers inside libvirt at once, at most: %d" % in_libvirt.most)
    print("calls another thread completed while a start ran: min %d, median %d "
          "(starts took %.0f-%.0f ms)"
          % (min(other_calls), sorted(other_calls)[len(other_calls) // 2],
             1000 * min(durations), 1000 * max(durations)))
    return 1 if inconsistent else 0


if __name__ == "__main__":
    sys.exit(main())
