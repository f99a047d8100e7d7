"""libvirt_admin, libvirt's daemon administration API, against the admin
socket of the private libvirtd (tools/private_libvirtd.py).

The cases that open admin connections run in a child process of their own
(this file, run as a script), one that opens no libvirt connection: libvirt
9.0's libvirt-admin.so and libvirt.so register the same object types, and
whichever comes second crashes the process. This process has libvirt
connections, so here only what makes no admin object is tested: the
module's surface, its constants, getVersion(), and that a child which
opened a libvirt connection first is refused an admin connection instead of
crashing.

libvirtd serves admin clients of its own uid only: as root (the daemon runs
as an unprivileged account), the child takes the daemon's uid as its
effective uid while it opens each admin connection.
"""

import contextlib
import gc
import json
import os
import pwd
import subprocess
import sys
import threading
import time
import traceback

import pytest

import libvirt
from row import built_with

try:
    import libvirt_admin
except ImportError:     # built from a libvirt without libvirt-admin-api.xml
    libvirt_admin = None

pytestmark = pytest.mark.skipif(libvirt_admin is None,
                                reason="libvirt_admin not built (no libvirt-admin-api.xml)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_TIMEOUT = 120
RESULT = "ADMIN-CASE "


# --- the cases, run in the child --------------------------------------------------

class Context:
    """What the cases share: the daemon's admin URI, how to open it."""

    def __init__(self, config):
        self.uri = config["admin_uri"]
        self.user = config["user"]
        self.workdir = config["workdir"]
        self.holder_pid = config["holder_pid"]    # holds a libvirt connection
        self.started = config["started"]

    @contextlib.contextmanager
    def daemon_user(self):
        """The daemon's uid as effective uid, if it is not ours already."""
        pw = pwd.getpwnam(self.user)
        if os.geteuid() == pw.pw_uid:
            yield
            return
        os.setegid(pw.pw_gid)
        os.seteuid(pw.pw_uid)
        try:
            yield
        finally:
            os.seteuid(0)
            os.setegid(0)

    def open(self):
        with self.daemon_user():
            return libvirt_admin.open(self.uri)


def _raises_libvirt(code, call, *args):
    try:
        call(*args)
    except libvirt.libvirtError as error:
        assert error.get_error_code() == code, (error.get_error_code(), str(error))
        return error
    raise AssertionError("%s%r did not fail" % (call.__name__, args))


def case_connection(ctx):
    conn = ctx.open()
    assert isinstance(conn, libvirt_admin.virAdmConnect)
    assert conn.getURI() == ctx.uri
    assert conn.getLibVersion() == libvirt.getVersion()
    assert conn.isAlive() == 1
    assert isinstance(conn.c_pointer(), int) and conn.c_pointer()
    with ctx.open() as other:
        assert other.isAlive() == 1
    # Closed: libvirt calls the NULL handle no connection.
    assert other.isAlive() == 0
    _raises_libvirt(libvirt.VIR_ERR_INVALID_CONN, other.getURI)
    assert conn.close() == 0
    _raises_libvirt(libvirt.VIR_ERR_INVALID_CONN, conn.listServers)


def case_servers(ctx):
    with ctx.open() as conn:
        servers = conn.listServers()
        assert sorted(srv.name() for srv in servers) == ["admin", "libvirtd"]
        assert all(type(srv) is libvirt_admin.virAdmServer for srv in servers)
        assert all(srv.connect() is conn for srv in servers)
        srv = conn.lookupServer("libvirtd")
        assert srv.name() == "libvirtd" and srv.connect() is conn
        error = _raises_libvirt(libvirt.VIR_ERR_NO_SERVER, conn.lookupServer, "nosuch")
        assert "nosuch" in str(error)
        # The failing call's error is libvirt's last error of this thread.
        assert libvirt.virGetLastError()[0] == libvirt.VIR_ERR_NO_SERVER


def case_thread_pool(ctx):
    with ctx.open() as conn:
        srv = conn.lookupServer("libvirtd")
        params = srv.threadPoolParameters()
        for key in (libvirt_admin.VIR_THREADPOOL_WORKERS_MIN,
                    libvirt_admin.VIR_THREADPOOL_WORKERS_MAX,
                    libvirt_admin.VIR_THREADPOOL_WORKERS_PRIORITY,
                    libvirt_admin.VIR_THREADPOOL_WORKERS_FREE,
                    libvirt_admin.VIR_THREADPOOL_WORKERS_CURRENT,
                    libvirt_admin.VIR_THREADPOOL_JOB_QUEUE_DEPTH):
            assert type(params[key]) is int, key
        maximum = params[libvirt_admin.VIR_THREADPOOL_WORKERS_MAX]
        try:
            assert srv.setThreadPoolParameters(
                {libvirt_admin.VIR_THREADPOOL_WORKERS_MAX: maximum + 3}) == 0
            assert srv.threadPoolParameters()["maxWorkers"] == maximum + 3
        finally:
            srv.setThreadPoolParameters({"maxWorkers": maximum})
        assert srv.threadPoolParameters()["maxWorkers"] == maximum
        # libvirt refuses the read-only fields.
        _raises_libvirt(libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
                        srv.setThreadPoolParameters, {"nWorkers": 1})
        # Refused before libvirt: the binding's typed-parameter rules.
        for bad, exception in (({"noSuchField": 1}, LookupError), ({}, LookupError),
                               ("maxWorkers", TypeError), ({"maxWorkers": "x"}, TypeError),
                               ({"maxWorkers": -1}, OverflowError)):
            with _expect(exception):
                srv.setThreadPoolParameters(bad)
        assert srv.threadPoolParameters()["maxWorkers"] == maximum


def case_client_limits(ctx):
    with ctx.open() as conn:
        srv = conn.lookupServer("libvirtd")
        limits = srv.clientLimits()
        assert set(limits) == {libvirt_admin.VIR_SERVER_CLIENTS_MAX,
                               libvirt_admin.VIR_SERVER_CLIENTS_CURRENT,
                               libvirt_admin.VIR_SERVER_CLIENTS_UNAUTH_MAX,
                               libvirt_admin.VIR_SERVER_CLIENTS_UNAUTH_CURRENT}
        assert limits["nclients"] >= 1          # the test process's connection
        maximum = limits["nclients_max"]
        try:
            assert srv.setClientLimits({"nclients_max": maximum - 7}) == 0
            assert srv.clientLimits()["nclients_max"] == maximum - 7
        finally:
            srv.setClientLimits({"nclients_max": maximum})
        assert srv.clientLimits()["nclients_max"] == maximum
        _raises_libvirt(libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
                        srv.setClientLimits, {"nclients": 3})
        with _expect(LookupError):
            srv.setClientLimits({"nclients_maximum": 3})


def case_clients(ctx):
    with ctx.open() as conn:
        srv = conn.lookupServer("libvirtd")
        clients = srv.listClients()
        assert all(type(c) is libvirt_admin.virAdmClient for c in clients)
        infos = {c.ID(): c.info() for c in clients}
        # The test process's libvirt connection to this daemon is a client.
        mine = [c for c in clients
                if infos[c.ID()].get(libvirt_admin.VIR_CLIENT_INFO_UNIX_PROCESS_ID)
                == ctx.holder_pid]
        assert mine, infos
        client = mine[0]
        info = infos[client.ID()]
        assert info[libvirt_admin.VIR_CLIENT_INFO_READONLY] is False
        assert info[libvirt_admin.VIR_CLIENT_INFO_UNIX_USER_ID] == os.getuid()
        assert client.transport() == libvirt_admin.VIR_CLIENT_TRANS_UNIX
        assert ctx.started - 60 <= client.timestamp() <= time.time() + 1
        assert client.server() is srv and client.connect() is conn
        again = srv.lookupClient(client.ID())
        assert again.ID() == client.ID() and again.info() == info
        _raises_libvirt(libvirt.VIR_ERR_NO_CLIENT, srv.lookupClient, 2 ** 40)
        with _expect(OverflowError):
            srv.lookupClient(-1)
        with _expect(TypeError):
            srv.lookupClient("1")
        # The admin server lists this admin connection, made as the daemon's user.
        admin_clients = conn.lookupServer("admin").listClients()
        ours = [c.info() for c in admin_clients
                if c.info().get("unix_process_id") == os.getpid()]
        assert ours and ours[0]["unix_user_id"] == pwd.getpwnam(ctx.user).pw_uid


def case_logging(ctx):
    with ctx.open() as conn:
        outputs = conn.getLoggingOutputs()
        assert "file:" in outputs
        extra = "4:file:%s" % os.path.join(ctx.workdir, "admin-test.log")
        try:
            assert conn.setLoggingOutputs(outputs + " " + extra) == 0
            assert extra in conn.getLoggingOutputs()
        finally:
            conn.setLoggingOutputs(outputs)
        assert conn.getLoggingOutputs() == outputs
        filters = conn.getLoggingFilters()     # None: no filters
        try:
            assert conn.setLoggingFilters("1:util 3:rpc") == 0
            assert "util" in conn.getLoggingFilters()
            assert conn.setLoggingFilters(None) == 0
            assert conn.getLoggingFilters() is None
        finally:
            conn.setLoggingFilters(filters)
        assert conn.getLoggingFilters() == filters
        _raises_libvirt(libvirt.VIR_ERR_INVALID_ARG, conn.setLoggingFilters, "bogus")
        _raises_libvirt(libvirt.VIR_ERR_INVALID_ARG, conn.setLoggingOutputs, "bogus")
        assert conn.getLoggingOutputs() == outputs
        with _expect(TypeError):
            conn.setLoggingFilters(5)


def case_daemon_timeout(ctx):
    with ctx.open() as conn:
        if not built_with("virAdmConnectSetDaemonTimeout"):      # libvirt 8.6
            assert not hasattr(conn, "setDaemonTimeout")
            return
        # The daemon ran without a timeout: set one, then switch it off again.
        assert conn.setDaemonTimeout(3600) == 0
        assert conn.setDaemonTimeout(0) == 0
        with _expect(OverflowError):
            conn.setDaemonTimeout(-1)


def case_tls(ctx):
    with ctx.open() as conn:
        srv = conn.lookupServer("libvirtd")
        error = _raises_libvirt(libvirt.VIR_ERR_INTERNAL_ERROR, srv.updateTlsFiles)
        assert "tls" in str(error)


def case_close_callback(ctx):
    killer = ctx.open()
    try:
        admin = killer.lookupServer("admin")
        before = {c.ID() for c in admin.listClients()}
        watched = ctx.open()
        target = [c for c in admin.listClients() if c.ID() not in before]
        assert len(target) == 1
        calls = []
        done = threading.Event()

        def cb(conn, reason, opaque):
            calls.append((conn, reason, opaque))
            done.set()
        with _expect(TypeError):
            watched.registerCloseCallback("not callable", None)
        assert watched.registerCloseCallback(cb, "opaque") == 0
        _raises_libvirt(libvirt.VIR_ERR_OPERATION_INVALID,
                        watched.registerCloseCallback, cb, None)
        # The daemon drops the watched connection: libvirt reports it.
        assert target[0].close() == 0
        assert done.wait(10)
        assert calls == [(watched, libvirt.VIR_CONNECT_CLOSE_REASON_EOF, "opaque")]
        assert watched.isAlive() == 0
        _raises_libvirt(libvirt.VIR_ERR_INTERNAL_ERROR, watched.listServers)
        # Registering and unregistering on a live connection.
        assert killer.registerCloseCallback(cb, None) == 0
        assert killer.unregisterCloseCallback() == 0
        _raises_libvirt(libvirt.VIR_ERR_OPERATION_INVALID, killer.unregisterCloseCallback)
    finally:
        killer.close()


def case_bad_input(ctx):
    for bad, exception in ((123, TypeError), (b"uri", TypeError), ("a\0b", ValueError)):
        with _expect(exception):
            libvirt_admin.open(bad)
    with _expect(TypeError):
        libvirt_admin.open(ctx.uri, "0")
    with ctx.daemon_user():
        error = _raises_libvirt(libvirt.VIR_ERR_SYSTEM_ERROR, libvirt_admin.open,
                                ctx.uri.replace("admin-sock", "no-such-sock"))
    assert "no-such-sock" in str(error)
    with ctx.open() as conn:
        calls = [(conn.lookupServer, (None,)), (conn.listServers, ("0",))]
        if built_with("virAdmConnectSetDaemonTimeout"):
            calls.append((conn.setDaemonTimeout, (1.5,)))
        for call, args in calls:
            with _expect(TypeError):
                call(*args)
        # Flags libvirt does not know: its own error.
        _raises_libvirt(libvirt.VIR_ERR_INVALID_ARG, conn.listServers, 1)
        srv = conn.lookupServer("admin")
        _raises_libvirt(libvirt.VIR_ERR_INVALID_ARG, srv.listClients, 1)
        with _expect(TypeError):
            libvirt_admin.virAdmServer.name(conn)


def case_lifetime(ctx):
    conn = ctx.open()
    srv = conn.lookupServer("admin")
    client = srv.listClients()[0]
    del conn
    gc.collect()
    # A server keeps its connection, a client its server.
    assert srv.connect().isAlive() == 1
    del srv
    gc.collect()
    assert client.server().name() == "admin"
    assert client.ID() >= 0
    conn = client.connect()
    del client
    gc.collect()
    for _ in range(50):
        servers = conn.listServers()
        del servers
    gc.collect()        # PyPy frees the dropped lists' servers only now
    assert conn.close() == 0    # none of them kept its reference


CASES = [case_connection, case_servers, case_thread_pool, case_client_limits,
         case_clients, case_logging, case_daemon_timeout, case_tls,
         case_close_callback, case_bad_input, case_lifetime]


@contextlib.contextmanager
def _expect(exception):
    try:
        yield
    except exception:
        return
    raise AssertionError("%s not raised" % exception.__name__)


def _event_loop():
    """libvirt's default event loop (before the first admin connection: the
    client watches its socket only if a loop exists when it opens)."""
    assert libvirt.virEventRegisterDefaultImpl() == 0

    def run():
        while True:
            libvirt.virEventRunDefaultImpl()
    threading.Thread(target=run, daemon=True).start()


def child(mode, config):
    """Run the cases, one result line each; or, in mode "libvirt-first",
    check that an admin connection is refused after a libvirt one."""
    ctx = Context(config)
    if mode == "libvirt-first":
        conn = libvirt.open("test:///default")
        try:
            ctx.open()
        except libvirt.libvirtError as error:
            result = "refused: %s" % error
        else:
            result = "opened"
        conn.close()
        print(RESULT + json.dumps({"case": mode, "result": result}), flush=True)
        return
    _event_loop()
    for case in CASES:
        try:
            case(ctx)
            result = "ok"
        except BaseException:       # noqa: B902 - reported to the parent
            result = traceback.format_exc()
        print(RESULT + json.dumps({"case": case.__name__, "result": result}), flush=True)


# --- the tests, in the test process --------------------------------------------------

def _run_child(libvirtd, mode):
    if not libvirtd.admin_uri:
        pytest.skip("the private libvirtd has no admin socket")
    if not libvirtd.is_running():
        libvirtd.restart()
    config = {"admin_uri": libvirtd.admin_uri, "user": libvirtd.user,
              "workdir": libvirtd.workdir, "holder_pid": os.getpid(),
              "started": time.time()}
    # A libvirt connection of this process: a client the child must find.
    holder = libvirt.open(libvirtd.uri)
    try:
        # Run from tests/: the installed libvirt, not the source tree's.
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), mode, json.dumps(config)],
            cwd=os.path.dirname(os.path.abspath(__file__)), capture_output=True,
            text=True, timeout=CHILD_TIMEOUT)
    finally:
        holder.close()
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            record = json.loads(line[len(RESULT):])
            results[record["case"]] = record["result"]
    return proc, results


@pytest.fixture(scope="module")
def admin_results(libvirtd):
    proc, results = _run_child(libvirtd, "cases")
    results["__exit__"] = "status %s\n%s" % (proc.returncode, proc.stderr[-4000:])
    return results


@pytest.mark.parametrize("case", [c.__name__ for c in CASES])
def test_admin_against_libvirtd(admin_results, case):
    if case not in admin_results:
        pytest.fail("the child process gave no result for %s: %s"
                    % (case, admin_results["__exit__"]))
    result = admin_results[case]
    assert result == "ok", result


def test_admin_child_exits_cleanly(admin_results):
    assert admin_results["__exit__"].startswith("status 0"), admin_results["__exit__"]


def test_admin_refused_after_a_libvirt_connection(libvirtd):
    # Without the refusal, libvirt-admin.so would crash the child here.
    proc, results = _run_child(libvirtd, "libvirt-first")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert results["libvirt-first"].startswith("refused: libvirt-admin cannot be used")


def test_module_surface():
    assert libvirt_admin.libvirtError is libvirt.libvirtError
    assert libvirt_admin.getVersion() == libvirt.getVersion()
    assert libvirt_admin.initialize() == 0
    assert libvirt_admin.VIR_CLIENT_TRANS_UNIX == 0
    assert libvirt_admin.VIR_CLIENT_TRANS_TCP == 1
    assert libvirt_admin.VIR_CLIENT_TRANS_TLS == 2
    assert not hasattr(libvirt_admin, "VIR_CLIENT_TRANS_LAST")
    assert libvirt_admin.VIR_THREADPOOL_WORKERS_MAX == "maxWorkers"
    assert libvirt_admin.VIR_CLIENT_INFO_UNIX_PROCESS_ID == "unix_process_id"
    assert libvirt_admin.VIR_SERVER_CLIENTS_MAX == "nclients_max"
    for name in ("virAdmConnect", "virAdmServer", "virAdmClient", "open", "getVersion"):
        assert name in dir(libvirt_admin)
    # The admin classes stay out of the libvirt module (libvirt-python's surface).
    assert not hasattr(libvirt, "virAdmConnect")
    # As libvirt's constructors (libvirt-python's): Exception itself.
    with pytest.raises(Exception, match="Expected a wrapped C Object") as raised:
        libvirt_admin.virAdmConnect(_obj="not a handle")
    assert type(raised.value) is Exception


# The model: every admin function reachable, or left out with a reason.

@pytest.fixture(scope="module")
def api(api):
    # conftest's model, where libvirt-admin-api.xml is installed
    if "libvirt-admin" not in api.sources:
        pytest.skip("libvirt-admin-api.xml is not installed")
    return api


def test_every_admin_function_is_reachable(api):
    unreachable = []
    for function in sorted(api.functions.values(), key=lambda f: f.name):
        if function.module != "libvirt-admin":
            continue
        b = function.binding
        assert b.pymodule == "libvirt_admin"
        if b.status == "omitted":
            assert b.reason and function.name.endswith(("Free", "Ref")), function.name
            continue
        where = getattr(libvirt_admin, b.cls) if b.cls else libvirt_admin
        if b.status not in ("generated", "handwritten") or \
                not callable(getattr(where, b.pyname, None)):
            unreachable.append("%s -> %s.%s (%s)" % (
                function.name, b.cls or b.pymodule, b.pyname, b.status))
    assert not unreachable, "\n".join(unreachable)


def test_every_admin_constant(api):
    for value in api.enums.values():
        if value.module == "libvirt-admin" and not value.name.endswith("_LAST"):
            assert getattr(libvirt_admin, value.name) == value.value
    for macro in api.macros.values():
        if macro.module == "libvirt-admin" and macro.string is not None:
            assert getattr(libvirt_admin, macro.name) == macro.string


def test_admin_names(api):
    names = {f.name: (f.binding.cls, f.binding.pyname) for f in api.functions.values()
             if f.module == "libvirt-admin" and f.binding.pyname}
    assert names["virAdmConnectListServers"] == ("virAdmConnect", "listServers")
    assert names["virAdmConnectGetURI"] == ("virAdmConnect", "getURI")
    assert names["virAdmServerGetName"] == ("virAdmServer", "name")
    assert names["virAdmServerGetThreadPoolParameters"] == ("virAdmServer",
                                                            "threadPoolParameters")
    assert names["virAdmClientGetID"] == ("virAdmClient", "ID")
    assert names["virAdmClientGetInfo"] == ("virAdmClient", "info")
    assert names["virAdmGetVersion"] == (None, "getVersion")
    assert names["virAdmConnectOpen"] == (None, "open")


if __name__ == "__main__":
    child(sys.argv[1], json.loads(sys.argv[2]))
