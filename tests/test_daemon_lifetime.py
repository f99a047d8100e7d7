"""What close() and `with` release at once against a private libvirtd:
the connection's socket, closed at the end of the block also when the block
made and dropped children (on PyPy they are not freed when dropped, yet
they hold references to the connection), and a stream's transfer aborted
when its block raised. Seen from libvirt's side: this process's sockets,
the daemon's refusal to delete a volume still being uploaded."""
import gc
import os

import pytest

import libvirt
from test_daemon_storage import pool_xml, vol_xml
from waiting import wait_for

MIB = 1024 * 1024


def sockets():
    """How many sockets this process has open."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink("/proc/self/fd/" + fd).startswith("socket:")
        except OSError:
            pass        # the directory's own descriptor, gone by now
    return count


def test_with_block_closes_the_daemon_connection_at_its_end(libvirtd):
    if not libvirtd.is_running():
        libvirtd.restart()
    gc.collect()        # what earlier tests dropped: not under test here
    before = sockets()
    with libvirt.open(libvirtd.uri) as c:
        assert sockets() == before + 1
        for _ in range(50):
            c.newStream(0)          # children holding the connection, dropped
        assert c.getLibVersion() > 0
    assert sockets() == before      # no collection asked for


def test_close_closes_the_daemon_connection_at_once(libvirtd):
    if not libvirtd.is_running():
        libvirtd.restart()
    gc.collect()
    before = sockets()
    c = libvirt.open(libvirtd.uri)
    for _ in range(50):
        c.newStream(0)
    c.close()
    assert sockets() == before


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
