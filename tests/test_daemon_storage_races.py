"""Storage pool calls racing a slow start, each from its own thread and
connection (the binding releases the GIL in every libvirt call, so they
reach the daemon while the start runs), against the real storage driver.

libvirt 9.0's dir backend holds the pool's lock for the whole start, so
racing calls wait and then find the pool started ("already active", "still
active", ...); after that they run in whatever order the daemon's threads
take the lock.  The order in which calls *return* is not that order: a
reply can overtake the one of the call that held the lock before it (seen
here: "undefine: still active" returning before the start it waited for,
and calls that worked replying out of order).  The daemon's own order is in
the pool events, queued while a call holds the pool.  So each round checks
that one serial order of the calls exists that libvirt's rules allow and
that gives every call its outcome, the events in the order they came and
the final state (through the API and on disk), respecting every "returned
before the other was issued" relation.

One rule is not atomic: undefine deletes the config file, then lets go of
the pool to take the pool list's lock before removing it, and a racing
create can start the pool in between.  The pool then runs on, no longer
listed (seen in a fair share of rounds); that is libvirt's doing.
"""
import collections
import os
import shutil
import threading
import time

import pytest

import libvirt
from waiting import wait_for
from test_daemon_storage import (SLOW_FILES, code_of, config_file,
                                 make_slow_dir, mode_of, path_of, pool_xml,
                                 read, remove_pool,
                                 state_file, wait_for_start)

E = libvirt
INACTIVE = E.VIR_STORAGE_XML_INACTIVE
OK = "ok"
ROUNDS = 4
RACERS = ("create", "build", "destroy", "delete", "refresh", "undefine")
ACTIONS = {"start": lambda p: p.create(0), "create": lambda p: p.create(0),
           "build": lambda p: p.build(0), "destroy": lambda p: p.destroy(),
           "delete": lambda p: p.delete(0), "refresh": lambda p: p.refresh(0),
           "undefine": lambda p: p.undefine()}
# The event a call that worked leaves, in the daemon's order.
EVENT_OF = {"start": E.VIR_STORAGE_POOL_EVENT_STARTED,
            "create": E.VIR_STORAGE_POOL_EVENT_STARTED,
            "build": E.VIR_STORAGE_POOL_EVENT_CREATED,
            "destroy": E.VIR_STORAGE_POOL_EVENT_STOPPED,
            "delete": E.VIR_STORAGE_POOL_EVENT_DELETED,
            "refresh": "REFRESH",
            "undefine-end": E.VIR_STORAGE_POOL_EVENT_UNDEFINED}
ERROR_NAMES = {v: k for k, v in vars(libvirt).items()
               if k.startswith("VIR_ERR_") and isinstance(v, int) and
               k not in ("VIR_ERR_NONE", "VIR_ERR_WARNING", "VIR_ERR_ERROR")}
# (call, answer) -> rounds; printed at the end of the module (pytest -s).
OBSERVED = collections.Counter()


@pytest.fixture(scope="module")
def slow_dir(libvirtd):
    """A dir pool on it starts slowly (see make_slow_dir)."""
    path = make_slow_dir(libvirtd, os.path.join(libvirtd.workdir,
                                                "slow-races"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def broken_dir(libvirtd):
    """A dir pool on it starts slowly, then fails."""
    path = make_slow_dir(libvirtd, os.path.join(libvirtd.workdir,
                                                "broken-races"), broken=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if OBSERVED:
        print("\nlibvirt's answers to calls racing a start (rounds):")
        for (op, answer), n in sorted(OBSERVED.items()):
            print("  %-9s %-60s %d" % (op, answer, n))


# --- libvirt 9.0's rules for the racing pool --------------------------------

State = collections.namedtuple("State", "listed active starting undefining")


def rules(step, st, start_error):
    """What libvirt may answer to a call's `step` in state st, as a list of
    (answer, new state, next step of the same call or None); answer is OK
    or (error code, words of the message).  The pool's directory is never
    empty, so delete cannot work."""
    invalid = E.VIR_ERR_OPERATION_INVALID
    if step == "start":  # it holds the pool from the first state on
        if start_error is None:
            return [(OK, st._replace(active=True, starting=False), None)]
        return [((start_error, ""), st._replace(starting=False), None)]
    if step == "undefine-end":
        return [(OK, st._replace(listed=False, undefining=False), None)]
    if st.starting:
        # Only where a backend lets go of the pool while starting it (the
        # dir backend of 9.0 does not).
        return [((invalid, "is starting up"), st, None)]
    answers = []
    if not st.listed:
        # Undefined while the call waited for the pool: libvirt no longer
        # finds it, or goes on with the removed pool it already held.
        answers.append(((E.VIR_ERR_NO_STORAGE_POOL, ""), st, None))
    if step == "create":
        if st.active:
            answers.append(((invalid, "already active"), st, None))
        elif start_error is not None:
            answers.append(((start_error, ""), st, None))
        else:
            answers.append((OK, st._replace(active=True), None))
    elif step == "build":
        answers.append(((invalid, "already active"), st, None) if st.active
                       else (OK, st, None))
    elif step in ("destroy", "refresh"):
        if st.active:
            answers.append((OK, st._replace(active=step == "refresh"), None))
        else:
            answers.append(((invalid, "is not active"), st, None))
    elif step == "delete":
        if st.active:
            answers.append(((invalid, "is still active"), st, None))
        else:
            answers.append(((E.VIR_ERR_SYSTEM_ERROR, "Directory not empty"),
                            st, None))
    elif step == "undefine":
        if st.active:
            answers.append(((invalid, "is still active"), st, None))
        elif st.listed and not st.undefining:
            # It deletes the config file, then lets go of the pool to take
            # the pool list's lock, and only then removes the pool (and
            # queues UNDEFINED): other calls can run in between.
            answers.append((OK, st._replace(undefining=True), "undefine-end"))
    return answers


def fits(answer, outcome):
    if answer == OK or outcome == OK:
        return answer == outcome
    return answer[0] == outcome[0] and answer[1] in outcome[1]


def serial_order(calls, events, start_error, final):
    """A serial order of the steps of `calls` that libvirt's rules allow,
    yielding every call's outcome, `events` in order and the `final`
    (listed, running) state; None if there is none."""
    def search(st, todo, pending, n_events, order):
        if not todo and not pending:
            ok = n_events == len(events) and (st.listed, st.active) == final
            return order if ok else None
        done = {c.name for c in calls} - todo - set(pending)
        steps = [(c, pending[c.name]) for c in calls if c.name in pending]
        # Real-time order: a call that returned before c was issued ran
        # (all of it) before c.
        steps += [(c, c.op) for c in calls if c.name in todo and all(
            o.name in done for o in calls
            if o is not c and o.returned < c.issued)]
        for c, step in steps:
            for answer, new, follow in rules(step, st, start_error):
                if not fits(answer, c.outcome):
                    continue
                n = n_events
                if answer == OK and follow is None:  # the call is through
                    if n >= len(events) or events[n] != EVENT_OF[step]:
                        continue
                    n += 1
                rest = dict(pending)
                rest.pop(c.name, None)
                if follow:
                    rest[c.name] = follow
                found = search(new, todo - {c.name}, rest, n,
                               order + ["%s:%s" % (c.name, step)])
                if found:
                    return found
        return None

    return search(State(listed=True, active=False, starting=True,
                        undefining=False),
                  frozenset(c.name for c in calls), {}, 0, [])


def _call(op, outcome, issued=0.0, returned=1.0):
    c = Call(op)
    c.outcome, c.issued, c.returned = outcome, issued, returned
    return c


def test_rules_reject_what_libvirt_would_not_do():
    # The checker itself: consistent outcomes pass, inconsistent ones fail.
    invalid = (E.VIR_ERR_OPERATION_INVALID, "storage pool 'p' is not active")
    started, stopped = EVENT_OF["start"], EVENT_OF["destroy"]
    calls = [_call("start", OK), _call("destroy", OK), _call("refresh", invalid)]
    assert serial_order(calls, [started, stopped], None, (True, False))
    # final state or event order that no order of these calls gives
    assert not serial_order(calls, [started, stopped], None, (True, True))
    assert not serial_order(calls, [stopped, started], None, (True, False))
    # refresh cannot fail with "not active" when destroy ran after it
    calls[1].issued = 2.0
    assert not serial_order(calls, [started, stopped], None, (True, False))
    # undefine lets other calls in before it removes the pool
    calls = [_call("start", OK), _call("destroy", OK), _call("undefine", OK),
             _call("create", OK)]
    events = [started, stopped, started, EVENT_OF["undefine-end"]]
    assert serial_order(calls, events, None, (False, True))
    assert not serial_order(calls, events, None, (True, True))


# --- running calls at once ------------------------------------------------------

class Call:
    def __init__(self, op):
        self.name = self.op = op
        self.outcome = self.issued = self.returned = None


def race(libvirtd, name, ops):
    """Start pool `name` from one thread and, once the start holds the pool,
    run `ops` from one thread each.  Returns (calls, names in the order they
    returned); calls[0] is the start."""
    calls = [Call("start")] + [Call(op) for op in ops]
    conns = [libvirt.open(libvirtd.uri) for _ in calls]
    pools = [c.storagePoolLookupByName(name) for c in conns]
    go = threading.Event()
    returned = []
    lock = threading.Lock()

    def run(call, pool):
        if call.op != "start":
            go.wait(60)  # safety net
        call.issued = time.monotonic()
        try:
            ACTIONS[call.op](pool)
            call.outcome = OK
        except libvirt.libvirtError as e:
            call.outcome = (e.get_error_code(), e.get_error_message() or "")
        call.returned = time.monotonic()
        with lock:
            returned.append(call.name)

    threads = [threading.Thread(target=run, args=cp) for cp in
               zip(calls, pools)]
    try:
        for t in threads[1:]:
            t.start()
        threads[0].start()
        wait_for_start(libvirtd, name, threads[0])
        go.set()
    finally:
        go.set()
        for t in threads:
            if t.ident is not None:
                t.join(120)  # safety net
        for c in conns:
            c.close()
    assert not any(t.is_alive() for t in threads), "a call hung"
    return calls, returned


def _answer(outcome, name, directory):
    if outcome == OK:
        return OK
    msg = outcome[1].replace(name, "<pool>").replace(directory, "<dir>")
    return "%s: %s" % (ERROR_NAMES.get(outcome[0], outcome[0]), msg)


@pytest.fixture
def pool_events(event_loop, storage_conn):
    """{pool name: [lifecycle event or "REFRESH", ...]} of every pool."""
    seen = collections.defaultdict(list)
    conn = storage_conn
    ids = [conn.storagePoolEventRegisterAny(
               None, E.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
               lambda c, p, event, detail, o: seen[p.name()].append(event),
               None),
           conn.storagePoolEventRegisterAny(
               None, E.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
               lambda c, p, o: seen[p.name()].append("REFRESH"), None)]
    yield seen
    for i in ids:
        conn.storagePoolEventDeregisterAny(i)


@pytest.mark.parametrize("start_fails", [False, True],
                         ids=["start-works", "start-fails"])
def test_calls_racing_a_start(libvirtd, storage_conn, pool_events, slow_dir,
                              broken_dir, start_fails):
    conn = storage_conn
    directory = broken_dir if start_fails else slow_dir
    for rnd in range(ROUNDS):
        name = "race-%s-%d" % ("fail" if start_fails else "ok", rnd)
        pool = conn.storagePoolDefineXML(pool_xml(name, directory), 0)
        uuid = pool.UUIDString()
        assert not os.path.exists(state_file(libvirtd, name))

        calls, returned = race(libvirtd, name, RACERS)

        start = calls[0]
        assert (start.outcome == OK) != start_fails, start.outcome
        start_error = None if start.outcome == OK else start.outcome[0]
        n_ok = sum(c.outcome == OK for c in calls)
        # Every call that worked leaves one event (DEFINED came first).
        assert wait_for(lambda: len(pool_events[name]) >= 1 + n_ok, 30)
        events = pool_events[name]
        assert events[0] == E.VIR_STORAGE_POOL_EVENT_DEFINED
        events = events[1:]

        # The final state, through the API and on disk.
        running = os.path.exists(state_file(libvirtd, name))
        code = code_of(lambda: conn.storagePoolLookupByName(name))
        listed = code is None
        if listed:
            assert pool.isActive() == running
            assert pool.isPersistent() == 1
            assert os.path.exists(config_file(libvirtd, name))
            # No redefinition here: both definitions are the one defined
            # (a refresh copies the directory's owner and mode into it).
            for xml in (pool.XMLDesc(0), pool.XMLDesc(INACTIVE)):
                assert path_of(xml) == directory and uuid in xml
        else:
            assert code == E.VIR_ERR_NO_STORAGE_POOL
            assert not os.path.exists(config_file(libvirtd, name))
        order = serial_order(calls, events, start_error, (listed, running))

        for c in calls:
            OBSERVED[(c.op, _answer(c.outcome, name, directory))] += 1
        details = "\n".join(
            ["outcomes:"] + ["  %s: %s" % (c.name, c.outcome) for c in calls]
            + ["events: %s" % events, "returned: %s" % returned,
               "final: listed=%s running=%s" % (listed, running)])
        assert order is not None, "no serial order fits:\n" + details
        assert sorted(returned) == sorted(c.name for c in calls)
        # The calls that worked, in the daemon's order and as they returned.
        worked = {c.name for c in calls if c.outcome == OK}
        in_daemon = [step.split(":")[0] for step in order
                     if step.split(":")[0] in worked and
                     step.split(":")[1] != "undefine"]
        OBSERVED[("(order)", "replies of the calls that worked: %s" % (
            "in the daemon's order" if in_daemon == [
                n for n in returned if n in worked] else "out of order"))] += 1

        if listed:
            remove_pool(pool)
        elif running:
            # A create ran during or after the undefine: libvirt keeps the
            # pool running out of sight; drop its state file so that a
            # restart of the shared daemon does not bring it back.
            OBSERVED[("(final)", "running, but undefined (not listed)")] += 1
            os.unlink(state_file(libvirtd, name))



# --- redefinition during a start ------------------------------------------------

def test_redefine_during_a_start(libvirtd, storage_conn, slow_dir):
    conn = storage_conn
    name = "redefine-racing"
    new = os.path.join(libvirtd.workdir, name + "-new")
    uuid = "9a3c0ad3-55e2-4f5e-8d39-2f0c2a5a1c01"
    pool = conn.storagePoolDefineXML(pool_xml(name, slow_dir, "0755", uuid), 0)
    result = {}

    def start():
        c = libvirt.open(libvirtd.uri)
        try:
            c.storagePoolLookupByName(name).create(0)
            result["start"] = OK
        except libvirt.libvirtError as e:
            result["start"] = e
        finally:
            c.close()

    t = threading.Thread(target=start)
    t.start()
    try:
        assert wait_for_start(libvirtd, name, t)  # the start holds the pool
        other = libvirt.open(libvirtd.uri)
        try:
            other.storagePoolDefineXML(pool_xml(name, new, "0711", uuid), 0)
        finally:
            other.close()
    finally:
        t.join(120)  # safety net
    assert not t.is_alive()
    assert result["start"] == OK

    # The start ran with the definition it began with ...
    live = pool.XMLDesc(0)
    assert path_of(live) == slow_dir
    assert pool.numOfVolumes() == SLOW_FILES
    assert path_of(read(state_file(libvirtd, name)).decode()) == slow_dir
    # ... the new one waits, as for any active pool ...
    pending = pool.XMLDesc(INACTIVE)
    assert (path_of(pending), mode_of(pending)) == (new, "0711")
    assert path_of(read(config_file(libvirtd, name)).decode()) == new
    assert pool.isActive() == 1 and pool.isPersistent() == 1
    # ... and takes over once the pool stops.
    pool.destroy()
    for xml in (pool.XMLDesc(0), pool.XMLDesc(INACTIVE)):
        assert (path_of(xml), mode_of(xml)) == (new, "0711")
    assert not os.path.exists(new)  # nothing built it
    pool.undefine()


def test_redefine_during_a_failing_start(libvirtd, storage_conn, broken_dir):
    conn = storage_conn
    name = "redefine-failing"
    new = os.path.join(libvirtd.workdir, name + "-new")
    uuid = "9a3c0ad3-55e2-4f5e-8d39-2f0c2a5a1c02"
    pool = conn.storagePoolDefineXML(
        pool_xml(name, broken_dir, "0755", uuid), 0)
    result = {}

    def start():
        c = libvirt.open(libvirtd.uri)
        try:
            c.storagePoolLookupByName(name).create(0)
            result["start"] = OK
        except libvirt.libvirtError as e:
            result["start"] = e
        finally:
            c.close()

    t = threading.Thread(target=start)
    t.start()
    try:
        # The failed start removes its state file: seeing it is not certain.
        wait_for_start(libvirtd, name, t)
        other = libvirt.open(libvirtd.uri)
        try:
            other.storagePoolDefineXML(pool_xml(name, new, "0711", uuid), 0)
        finally:
            other.close()
    finally:
        t.join(120)  # safety net
    assert not t.is_alive()
    assert isinstance(result["start"], libvirt.libvirtError)
    OBSERVED[("failing start", _answer(
        (result["start"].get_error_code(), result["start"].get_error_message()),
        name, broken_dir))] += 1

    # The new definition is the definition; the pool is not running.
    assert pool.isActive() == 0 and pool.isPersistent() == 1
    for xml in (pool.XMLDesc(0), pool.XMLDesc(INACTIVE)):
        assert (path_of(xml), mode_of(xml)) == (new, "0711")
    assert path_of(read(config_file(libvirtd, name)).decode()) == new
    assert not os.path.exists(state_file(libvirtd, name))
    # ... and it is the one that starts now.
    pool.build(0)
    pool.create(0)
    assert path_of(pool.XMLDesc(0)) == new and pool.numOfVolumes() == 0
    pool.destroy()
    pool.delete(0)
    pool.undefine()
    assert len(os.listdir(broken_dir)) == SLOW_FILES  # untouched
