"""What close() and `with` release at once against a private libvirtd:
the connection's socket, closed at the end of the block also when the block
made and dropped children (on PyPy they are not freed when dropped, yet
they hold references to the connection), and a stream's transfer aborted
when its block raised. Seen from libvirt's side: this process's sockets,
the daemon's refusal to delete a volume still being uploaded."""
import os
import sys

import pytest

import libvirt
from test_daemon_storage import pool_xml, vol_xml
from conftest import run_in
from waiting import wait_for

MIB = 1024 * 1024


# Run in a process of its own: once any test has registered an event loop
# implementation (libvirt has no way to unregister one), libvirt's remote
# driver keeps a keepalive reference that only that loop drops, and the
# socket's release is the loop's business, not close()'s.
SOCKETS = r'''
import gc, os, sys
import libvirt


def sockets():
    """The sockets this process has open (their inodes)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink("/proc/self/fd/" + fd)
        except OSError:
            continue    # the directory's own descriptor, gone by now
        if target.startswith("socket:"):
            found.add(target)
    return found


uri, how = sys.argv[1:]
gc.collect()
before = sockets()
if how == "with":
    with libvirt.open(uri) as c:
        own = sockets() - before
        for _ in range(50):
            c.newStream(0)          # children holding the connection, dropped
        assert c.getLibVersion() > 0
else:
    c = libvirt.open(uri)
    own = sockets() - before
    for _ in range(50):
        c.newStream(0)
    c.close()
# The connection's own socket (libvirt may open others, e.g. for logging).
assert len(own) == 1, own
assert not own & sockets(), "the connection's socket is still open"
print("released")
'''


@pytest.mark.parametrize("how", ["with", "close"])
def test_the_daemon_connection_is_closed_at_once(libvirtd, how):
    # No collection asked for after the block or close().
    if not libvirtd.is_running():
        libvirtd.restart()
    out = run_in(sys.executable, SOCKETS, libvirtd.uri, how).stdout
    assert out.split() == ["released"]


def test_stream_block_that_raised_aborts_the_upload(libvirtd, storage_conn):
    target = os.path.join(libvirtd.workdir, "lifetime-pool")
    pool = storage_conn.storagePoolCreateXML(pool_xml("lifetime", target),
                                             libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    vol = pool.createXML(vol_xml("up.raw", MIB), 0)
    try:
        with pytest.raises(RuntimeError):
            with storage_conn.newStream(0) as st:
                vol.upload(st, 0, MIB, 0)
                st.send(b"x" * 65536)
                raise RuntimeError("the program failed in mid-transfer")
        assert not st._o            # released, not left to the GC
        # The daemon ends the upload once it got the abort (its clean-up runs
        # in a thread of its own); until then the volume is in use.

        def deleted():
            try:
                vol.delete(0)
            except libvirt.libvirtError as e:
                assert "in use" in str(e), e
                return False
            return True
        assert wait_for(deleted)
    finally:
        pool.destroy()
