"""The private libvirtd of tools/private_libvirtd.py, driven through the
binding: a real daemon with only the storage driver, in a temp dir.

Tests that kill, restart or break a daemon start their own; the rest share
the session daemon of the `libvirtd` fixture (conftest.py).
"""
import os
import pwd
import re
import signal
import socket
import subprocess
import sys

import pytest

import libvirt
from private_libvirtd import (DaemonStartError, PrivateLibvirtd,
                              unavailable_reason)

# These tests start daemons of their own; skip them all where libvirtd is
# not installed, as the `libvirtd` fixture does.
_MISSING = unavailable_reason()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.skipif(_MISSING is not None, reason="private "
                                "libvirtd unavailable: %s" % _MISSING)

TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "tools", "private_libvirtd.py")
MIB = 1024 * 1024


def pool_xml(name, path):
    return ("<pool type='dir'><name>%s</name>"
            "<target><path>%s</path></target></pool>" % (name, path))


def vol_xml(name, capacity):
    return ("<volume><name>%s</name><capacity unit='bytes'>%d</capacity>"
            "<target><format type='raw'/></target></volume>"
            % (name, capacity))


def proc_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])  # real uid
    raise AssertionError("no Uid line")


@pytest.fixture
def own_daemon():
    """A daemon of the test's own, for tests that kill or restart it."""
    with PrivateLibvirtd() as d:
        yield d


def test_connect_and_uri(libvirtd, storage_conn):
    assert storage_conn.getURI() == libvirtd.uri
    assert libvirtd.uri.startswith("storage:///session?socket=")
    assert storage_conn.getType() == "storage"


def test_isolated_in_temp_dir_and_unprivileged(libvirtd):
    for path in (libvirtd.socket_path, libvirtd.log_path, libvirtd.workdir):
        assert path.startswith(libvirtd.tmpdir + os.sep)
    assert os.path.isdir(libvirtd.workdir)
    # Session mode: the daemon never runs as root, even when we are root.
    uid = proc_uid(libvirtd.pid)
    assert uid != 0
    assert pwd.getpwuid(uid).pw_name == libvirtd.user
    assert os.stat(libvirtd.workdir).st_uid == uid


def test_admin_socket_accepts(libvirtd):
    assert libvirtd.admin_socket_path is not None
    assert libvirtd.admin_uri.endswith("?socket=" + libvirtd.admin_socket_path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)  # safety net only
        s.connect(libvirtd.admin_socket_path)


def test_dir_pool_lifecycle_on_disk(libvirtd, storage_conn):
    target = os.path.join(libvirtd.workdir, "lifecycle")
    pool = storage_conn.storagePoolDefineXML(pool_xml("lifecycle", target), 0)
    assert pool.isPersistent() == 1 and pool.isActive() == 0
    assert not os.path.exists(target)

    pool.build(0)
    assert os.path.isdir(target)
    pool.create(0)
    assert pool.isActive() == 1

    vol = pool.createXML(vol_xml("disk.img", 3 * MIB), 0)
    path = os.path.join(target, "disk.img")
    assert vol.path() == path
    assert os.path.getsize(path) == 3 * MIB
    assert vol.info()[1] == 3 * MIB
    assert pool.listVolumes() == ["disk.img"]

    vol.delete(0)
    assert not os.path.exists(path)
    pool.destroy()
    assert pool.isActive() == 0
    pool.delete(0)
    assert not os.path.exists(target)
    pool.undefine()
    assert "lifecycle" not in storage_conn.listDefinedStoragePools()


def test_volume_upload_download(libvirtd, storage_conn):
    target = os.path.join(libvirtd.workdir, "streams")
    pool = storage_conn.storagePoolDefineXML(pool_xml("streams", target), 0)
    pool.build(0)
    pool.create(0)
    vol = pool.createXML(vol_xml("data.raw", MIB), 0)
    data = bytes(range(256)) * (MIB // 256)

    st = storage_conn.newStream(0)
    vol.upload(st, 0, len(data), 0)
    for i in range(0, len(data), 65536):
        st.send(data[i:i + 65536])
    st.finish()
    with open(vol.path(), "rb") as f:  # root or the daemon's own user
        assert f.read() == data

    st = storage_conn.newStream(0)
    vol.download(st, 0, len(data), 0)
    got = []
    while True:
        chunk = st.recv(65536)
        if not chunk:
            break
        got.append(chunk)
    st.finish()
    assert b"".join(got) == data

    vol.delete(0)
    pool.destroy()
    pool.delete(0)
    pool.undefine()


def test_definition_survives_restart(own_daemon):
    d = own_daemon
    target = os.path.join(d.workdir, "keep")
    c = libvirt.open(d.uri)
    pool = c.storagePoolDefineXML(pool_xml("keep", target), 0)
    pool.build(0)
    pool.create(0)
    c.close()
    old_pid = d.pid

    d.restart()
    assert d.pid != old_pid
    c = libvirt.open(d.uri)
    try:
        pool = c.storagePoolLookupByName("keep")
        assert pool.isPersistent() == 1
        assert pool.isActive() == 1  # runtime state kept too
        assert os.path.isdir(target)
    finally:
        c.close()


def test_kill_breaks_old_connection(own_daemon):
    c = libvirt.open(own_daemon.uri)
    assert c.listAllStoragePools(0) == []
    own_daemon.kill()
    assert not own_daemon.is_running()
    with pytest.raises(libvirt.libvirtError):
        c.listAllStoragePools(0)
    try:
        c.close()
    except libvirt.libvirtError:
        pass  # closing a dead connection may report the failure again
    # The same state dir serves a new daemon.
    own_daemon.restart()
    c = libvirt.open(own_daemon.uri)
    c.close()


def test_start_failure_without_driver_shows_log():
    # The daemon runs but has no driver: the readiness probe's open fails.
    d = PrivateLibvirtd(driver_dir="/nonexistent", start_timeout=15)
    with pytest.raises(DaemonStartError) as info:
        with d:
            pass
    msg = str(info.value)
    reason = re.search(r"refused to open storage:///session: (.*) \(code \d+", msg).group(1)
    # libvirt 9.0: no driver; 7.0's daemon hands the URI on to the
    # modular storage daemon's socket, which is not there either.
    assert "no connection driver available" in reason or "virtstoraged-sock" in reason
    # ... and the daemon's own log says so too
    assert reason in msg.split("--- libvirt log", 1)[1]
    assert not d.is_running()
    assert d.tmpdir is None  # the context manager cleaned up


def test_start_failure_daemon_exits_shows_output():
    d = PrivateLibvirtd(extra_config="this is not a valid = = line",
                        start_timeout=15)
    with pytest.raises(DaemonStartError) as info:
        d.start()
    try:
        msg = str(info.value)
        assert "the daemon exited" in msg
        assert "Can't load config file" in msg  # the daemon's own words
        assert not d.is_running()
        assert os.path.exists(d.tmpdir)  # kept for a look until stop()
    finally:
        d.stop()
    assert d.tmpdir is None


def test_stop_removes_everything():
    d = PrivateLibvirtd().start()
    pid, tmpdir = d.pid, d.tmpdir
    d.stop()
    assert not d.is_running()
    assert not os.path.exists(tmpdir)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped, not a zombie
    d.stop()  # idempotent


def test_cli_prints_uri_and_stops_on_sigint():
    cli = subprocess.Popen([sys.executable, TOOL], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        # The CLI's own start timeout bounds this read.
        uri = cli.stdout.readline().strip()
        assert uri.startswith("storage:///session?socket="), cli.stderr.read()
        sock = uri.split("socket=", 1)[1]
        c = libvirt.open(uri)
        assert c.getURI() == uri
        c.close()
        cli.send_signal(signal.SIGINT)
        assert cli.wait(timeout=30) == 0  # safety net, not a timing check
        assert not os.path.exists(os.path.dirname(sock))
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        cli.stdout.close()
        cli.stderr.close()


SYSTEM_MODE_CHILD = """
import os, sys
sys.path.insert(0, sys.argv[1])
import libvirt
from private_libvirtd import PrivateLibvirtd
with PrivateLibvirtd(mode="system") as d:
    assert d.user == "root"
    c = libvirt.open(d.uri)
    assert c.getURI().startswith("storage:///system?socket="), c.getURI()
    pool = c.storagePoolDefineXML(
        "<pool type='dir'><name>sysmode</name><target><path>%s</path></target></pool>"
        % os.path.join(d.workdir, "p"), 0)
    pool.build(0)
    assert os.path.isdir(os.path.join(d.workdir, "p"))
    # the privileged driver keeps it where it always does: here, the namespace's
    assert os.path.exists("/etc/libvirt/storage/sysmode.xml")
    pool.undefine()
    c.close()
print("system mode ok")
"""


def test_system_mode_fallback():
    if os.geteuid() != 0:
        with pytest.raises(ValueError, match="needs root"):
            PrivateLibvirtd(mode="system")
        return
    # The privileged storage driver keeps definitions in /etc/libvirt/storage
    # and state in /run/libvirt whatever the configuration: the daemon runs
    # in a mount namespace of its own, over empty ones, so the host's stay
    # untouched (and a system libvirtd there does not clash).
    isolate = ("mkdir -p /etc/libvirt && mount -t tmpfs tmpfs /etc/libvirt && "
               "mount -t tmpfs tmpfs /run && exec \"$0\" -c \"$1\" \"$2\"")
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", isolate,
         sys.executable, SYSTEM_MODE_CHILD, os.path.join(ROOT, "tools")],
        capture_output=True, text=True, timeout=120, cwd="/")
    assert proc.returncode == 0 and "system mode ok" in proc.stdout, proc.stdout + proc.stderr
    assert not os.path.exists("/etc/libvirt/storage/sysmode.xml")
