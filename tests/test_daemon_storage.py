"""The storage API against libvirt's real storage driver (a private libvirtd,
see tools/private_libvirtd.py): dir pools built, started, filled, emptied and
deleted on disk; streams; redefinition of an active pool; events; a daemon
that dies in the middle of a call; bad input.

What is checked is what libvirt 9.0 decides; the binding only has to show it.
The helpers at the top are shared with test_daemon_storage_races.py and
test_daemon_storage_mock_gaps.py.
"""
import io
import os
import pwd
import re
import shutil
import threading
import time
import xml.etree.ElementTree as ET

import pytest

import libvirt
import row
from waiting import wait_for

MIB = 1024 * 1024
# A dir pool's start/refresh opens and probes every file of its directory:
# this many makes one take >= ~100 ms on a 2-core machine (~110-150 ms
# here); made as hard links of one file, in about 0.1 s.
SLOW_FILES = 20000
UUID = "c7a5fdbd-edaf-9455-926a-d65c16db1809"
INACTIVE = libvirt.VIR_STORAGE_XML_INACTIVE
# PyPy 3.9's os lacks these two; Linux's values.
SEEK_DATA = getattr(os, "SEEK_DATA", 3)
SEEK_HOLE = getattr(os, "SEEK_HOLE", 4)


# --- helpers ------------------------------------------------------------------

def pool_xml(name, path, mode="0755", uuid=None):
    """A dir pool.  Definitions of one pool differ by target path: a live
    definition's permissions are the directory's (a refresh copies them
    in), so `mode` tells apart only definitions that are not running."""
    return ("<pool type='dir'><name>%s</name>%s<target><path>%s</path>"
            "<permissions><mode>%s</mode></permissions></target></pool>"
            % (name, "<uuid>%s</uuid>" % uuid if uuid else "", path, mode))


def vol_xml(name, capacity, allocation=None):
    alloc = ("<allocation unit='bytes'>%d</allocation>" % allocation
             if allocation is not None else "")
    return ("<volume><name>%s</name><capacity unit='bytes'>%d</capacity>%s"
            "<target><format type='raw'/></target></volume>"
            % (name, capacity, alloc))


def mode_of(xml):
    """The target permissions mode of a pool XML."""
    return re.search(r"<target>.*?<mode>(\d+)</mode>", xml, re.S).group(1)


def path_of(xml):
    """The target path of a pool XML."""
    return re.search(r"<target>\s*<path>(.*?)</path>", xml).group(1)


def definition(xml):
    """A pool XML without its sizes, which follow the host's disk usage."""
    return re.sub(r"\s*<(capacity|allocation|available)\b[^>]*>\d*</\1>",
                  "", xml)


def _storage_dir(libvirtd, kind):
    if libvirtd.mode == "system":
        return {"state": "/run/libvirt/storage",
                "config": "/etc/libvirt/storage"}[kind]
    if kind == "state":
        return os.path.join(libvirtd.tmpdir, "run", "libvirt", "storage", "run")
    return os.path.join(libvirtd.tmpdir, "config", "libvirt", "storage")


def state_file(libvirtd, name):
    """Written by a start just before its (slow) refresh, removed by destroy
    or a failed start: the daemon's own record of an active pool."""
    return os.path.join(_storage_dir(libvirtd, "state"), name + ".xml")


def config_file(libvirtd, name):
    return os.path.join(_storage_dir(libvirtd, "config"), name + ".xml")


def autostart_link(libvirtd, name):
    return os.path.join(_storage_dir(libvirtd, "config"), "autostart",
                        name + ".xml")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def give_to_daemon(libvirtd, path):
    # As root the daemon runs as another user: let it own what we made.
    if os.geteuid() == 0:
        pw = pwd.getpwnam(libvirtd.user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def make_slow_dir(libvirtd, path, broken=False):
    """A directory of SLOW_FILES one-byte files.  broken: the entry the
    daemon reads last is a "ploop" directory whose root.hds it cannot open,
    which fails the refresh, so a start fails after probing all the others."""
    os.mkdir(path)
    give_to_daemon(libvirtd, path)
    first = os.path.join(path, "v00000.img")
    with open(first, "wb") as f:
        f.write(b"x")
    give_to_daemon(libvirtd, first)
    for i in range(1, SLOW_FILES):
        os.link(first, os.path.join(path, "v%05d.img" % i))
    if broken:
        # os.listdir returns readdir's order, which is the daemon's too.
        bad = os.path.join(path, os.listdir(path)[-1])
        os.unlink(bad)
        os.mkdir(bad)
        give_to_daemon(libvirtd, bad)
        with open(os.path.join(bad, "DiskDescriptor.xml"), "w") as f:
            f.write("<Parallels_disk_image/>")
        give_to_daemon(libvirtd, os.path.join(bad, "DiskDescriptor.xml"))
        root = os.path.join(bad, "root.hds")
        open(root, "w").close()
        os.chmod(root, 0)  # unreadable, even for its owner
    return path


@pytest.fixture(scope="module")
def slow_dir(libvirtd):
    path = make_slow_dir(libvirtd, os.path.join(libvirtd.workdir, "slow"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def wait_for_start(libvirtd, name, thread, seconds=60.0):
    """Poll until the start running in `thread` wrote the pool's state file
    (it then holds the pool and is refreshing it).  False if the thread
    ended first; the deadline is a safety net only."""
    path = state_file(libvirtd, name)
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if not thread.is_alive() or time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def error_of(call):
    """Run call(); None if it worked, else its libvirtError."""
    try:
        call()
    except libvirt.libvirtError as e:
        return e
    return None


def code_of(call):
    e = error_of(call)
    return None if e is None else e.get_error_code()


def remove_pool(pool):
    for step in (pool.destroy, pool.undefine):
        error_of(step)  # inactive, transient or gone: nothing to undo


# --- the whole lifecycle ------------------------------------------------------

def test_dir_pool_full_lifecycle(libvirtd, storage_conn):
    conn = storage_conn
    name = "life"
    target = os.path.join(libvirtd.workdir, name)
    pool = conn.storagePoolDefineXML(pool_xml(name, target), 0)

    def check(active, autostart):
        state = pool.info()[0]
        assert state == (libvirt.VIR_STORAGE_POOL_RUNNING if active
                         else libvirt.VIR_STORAGE_POOL_INACTIVE)
        assert pool.isActive() == active
        assert pool.isPersistent() == 1
        assert pool.autostart() == autostart
        assert os.path.exists(state_file(libvirtd, name)) == bool(active)

    check(0, 0)
    assert pool.info() == [libvirt.VIR_STORAGE_POOL_INACTIVE, 0, 0, 0]
    assert os.path.exists(config_file(libvirtd, name))
    assert not os.path.exists(target)
    assert conn.storagePoolLookupByUUID(pool.UUID()).name() == name
    assert conn.storagePoolLookupByUUIDString(pool.UUIDString()).name() == name

    pool.build(0)
    check(0, 0)
    assert os.path.isdir(target)
    pool.setAutostart(1)
    check(0, 1)
    assert os.path.islink(autostart_link(libvirtd, name))

    pool.create(0)
    check(1, 1)
    _, capacity, allocation, available = pool.info()
    assert capacity > 0 and capacity >= allocation and capacity >= available
    assert pool.numOfVolumes() == 0 and pool.listVolumes() == []

    a = pool.createXML(vol_xml("a.raw", MIB), 0)
    b = pool.createXML(vol_xml("b.raw", MIB), 0)
    a_path = os.path.join(target, "a.raw")
    b_path = os.path.join(target, "b.raw")
    assert os.path.getsize(a_path) == os.path.getsize(b_path) == MIB
    assert sorted(pool.listVolumes()) == ["a.raw", "b.raw"]
    assert sorted(v.name() for v in pool.listAllVolumes(0)) == ["a.raw", "b.raw"]
    assert pool.numOfVolumes() == 2
    assert a.name() == "a.raw" and a.path() == a.key() == a_path
    assert pool.storageVolLookupByName("a.raw").key() == a.key()
    assert a.info() == [libvirt.VIR_STORAGE_VOL_FILE, MIB, MIB]

    # Upload with send(): every byte lands in the file.
    data_a = bytes(range(256)) * (MIB // 256)
    st = conn.newStream(0)
    a.upload(st, 0, len(data_a), 0)
    view = memoryview(data_a)
    while view:
        sent = st.send(view[:65536])
        assert 0 < sent <= 65536
        view = view[sent:]
    st.finish()
    assert read(a_path) == data_a

    # Upload with sendAll(), fed from a file-like object.
    data_b = os.urandom(MIB)
    st = conn.newStream(0)
    b.upload(st, 0, 0, 0)
    st.sendAll(lambda s, nbytes, f: f.read(nbytes), io.BytesIO(data_b))
    st.finish()
    assert read(b_path) == data_b

    # Download with recv() and with recvAll(): byte for byte.
    st = conn.newStream(0)
    a.download(st, 0, 0, 0)
    got = []
    while True:
        chunk = st.recv(100000)
        if not chunk:
            break
        got.append(chunk)
    st.finish()
    assert b"".join(got) == data_a
    st = conn.newStream(0)
    b.download(st, 0, 0, 0)
    got = []
    st.recvAll(lambda s, chunk, acc: acc.append(chunk), got)
    st.finish()
    assert b"".join(got) == data_b
    # A part only: offset and length are honoured.
    st = conn.newStream(0)
    b.download(st, 1000, 5000, 0)
    got = []
    st.recvAll(lambda s, chunk, acc: acc.append(chunk), got)
    st.finish()
    assert b"".join(got) == data_b[1000:6000]

    # Resize: capacity and file grow, the content is kept, the rest reads 0.
    a.resize(3 * MIB, 0)
    assert a.info()[1] == 3 * MIB
    assert os.path.getsize(a_path) == 3 * MIB
    assert read(a_path) == data_a + bytes(2 * MIB)

    # Wipe: the content is gone (zeroed).
    a.wipe(0)
    assert read(a_path) == bytes(3 * MIB)
    b.wipePattern(libvirt.VIR_STORAGE_VOL_WIPE_ALG_ZERO, 0)
    assert read(b_path) == bytes(MIB)

    a.delete(0)
    assert not os.path.exists(a_path)
    assert pool.listVolumes() == ["b.raw"] and pool.numOfVolumes() == 1
    assert code_of(lambda: pool.storageVolLookupByName("a.raw")) == \
        libvirt.VIR_ERR_NO_STORAGE_VOL

    # Refresh picks up what changed behind libvirt's back.
    outside = os.path.join(target, "outside.raw")
    with open(outside, "wb") as f:
        f.write(b"o" * 4096)
    give_to_daemon(libvirtd, outside)
    assert "outside.raw" not in pool.listVolumes()
    pool.refresh(0)
    assert sorted(pool.listVolumes()) == ["b.raw", "outside.raw"]
    assert pool.storageVolLookupByName("outside.raw").info()[1] == 4096
    os.unlink(outside)
    b.delete(0)
    pool.refresh(0)
    assert pool.listVolumes() == [] and pool.numOfVolumes() == 0
    check(1, 1)

    pool.destroy()
    check(0, 1)
    assert os.path.isdir(target)  # destroy only stops the pool
    assert code_of(pool.listVolumes) == libvirt.VIR_ERR_OPERATION_INVALID

    pool.delete(0)
    assert not os.path.exists(target)
    check(0, 1)

    pool.undefine()
    assert not os.path.exists(config_file(libvirtd, name))
    assert not os.path.lexists(autostart_link(libvirtd, name))
    assert code_of(pool.isActive) == libvirt.VIR_ERR_NO_STORAGE_POOL
    assert code_of(lambda: conn.storagePoolLookupByName(name)) == \
        libvirt.VIR_ERR_NO_STORAGE_POOL


def _sparse_source(path):
    """4 MiB: 64 KiB of 'A', a hole, 64 KiB of 'B' at 3 MiB, a hole."""
    with open(path, "wb") as f:
        f.truncate(4 * MIB)
        f.write(b"A" * 65536)
        f.seek(3 * MIB)
        f.write(b"B" * 65536)
    return read(path)


def _in_data(fd):
    """holeHandler of sparseSendAll: [in_data, section length] at fd's
    offset, the offset left where it was."""
    cur = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        data = os.lseek(fd, cur, SEEK_DATA)
    except OSError:  # ENXIO: only a hole (or nothing) is left
        end = os.lseek(fd, 0, os.SEEK_END)
        os.lseek(fd, cur, os.SEEK_SET)
        return [False, end - cur]
    if data > cur:
        os.lseek(fd, cur, os.SEEK_SET)
        return [False, data - cur]
    hole = os.lseek(fd, cur, SEEK_HOLE)
    os.lseek(fd, cur, os.SEEK_SET)
    return [True, hole - cur]


def _skip(stream, length, fd):
    """skipHandler of sparseSendAll: move past a hole."""
    os.lseek(fd, length, os.SEEK_CUR)
    return 0


def test_sparse_upload_and_download(libvirtd, storage_conn, tmp_path):
    conn = storage_conn
    target = os.path.join(libvirtd.workdir, "sparse")
    pool = conn.storagePoolDefineXML(pool_xml("sparse", target), 0)
    pool.build(0)
    pool.create(0)
    vol = pool.createXML(vol_xml("thin.raw", 4 * MIB, allocation=0), 0)
    content = _sparse_source(str(tmp_path / "src.img"))

    fd = os.open(str(tmp_path / "src.img"), os.O_RDONLY)
    try:
        st = conn.newStream(0)
        vol.upload(st, 0, 0, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
        st.sparseSendAll(lambda s, nbytes, f: os.read(f, nbytes),
                         lambda s, f: _in_data(f), _skip, fd)
        st.finish()
    finally:
        os.close(fd)
    assert read(vol.path()) == content
    # The holes arrived as holes: the file is not fully allocated.
    assert os.stat(vol.path()).st_blocks * 512 < 4 * MIB

    st = conn.newStream(0)
    vol.download(st, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
    parts, holes = [], []

    def on_hole(s, length, acc):
        holes.append(length)
        acc.append(bytes(length))

    st.sparseRecvAll(lambda s, chunk, acc: acc.append(chunk), on_hole, parts)
    st.finish()
    assert b"".join(parts) == content
    assert holes and sum(holes) < 4 * MIB

    vol.delete(0)
    pool.destroy()
    pool.delete(0)
    pool.undefine()


def test_clone_info_flags_and_capabilities(libvirtd, storage_conn):
    conn = storage_conn
    target = os.path.join(libvirtd.workdir, "clone")
    pool = conn.storagePoolDefineXML(pool_xml("clone", target), 0)
    pool.build(0)
    pool.create(0)
    src = pool.createXML(vol_xml("src.raw", MIB), 0)
    data = os.urandom(MIB)
    st = conn.newStream(0)
    src.upload(st, 0, MIB, 0)
    st.sendAll(lambda s, nbytes, f: f.read(nbytes), io.BytesIO(data))
    st.finish()

    clone = pool.createXMLFrom(vol_xml("clone.raw", MIB), src, 0)
    assert clone.info()[1] == MIB
    assert read(clone.path()) == data
    assert sorted(pool.listVolumes()) == ["clone.raw", "src.raw"]

    # infoFlags: allocation by default, the file's size with GET_PHYSICAL.
    thin = pool.createXML(vol_xml("thin.raw", 4 * MIB, allocation=0), 0)
    assert thin.infoFlags(0) == thin.info()
    assert thin.info()[1] == 4 * MIB and thin.info()[2] < 4 * MIB
    assert thin.infoFlags(libvirt.VIR_STORAGE_VOL_GET_PHYSICAL) == \
        [libvirt.VIR_STORAGE_VOL_FILE, 4 * MIB, 4 * MIB]

    caps = ET.fromstring(conn.getStoragePoolCapabilities(0))
    assert caps.tag == "storagepoolCapabilities"
    dirs = [p for p in caps.findall("pool") if p.get("type") == "dir"]
    assert len(dirs) == 1 and dirs[0].get("supported") == "yes"

    for v in (src, clone, thin):
        v.delete(0)
    pool.destroy()
    pool.delete(0)
    pool.undefine()


def test_transient_pool_created_with_build(libvirtd, storage_conn):
    conn = storage_conn
    name = "transient"
    target = os.path.join(libvirtd.workdir, name)
    xml = pool_xml(name, target)
    # Without the flag the missing directory fails the start; nothing is left.
    assert error_of(lambda: conn.storagePoolCreateXML(xml, 0)) is not None
    assert code_of(lambda: conn.storagePoolLookupByName(name)) == \
        libvirt.VIR_ERR_NO_STORAGE_POOL
    assert not os.path.exists(target)

    pool = conn.storagePoolCreateXML(
        xml, libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    assert os.path.isdir(target)
    assert pool.isActive() == 1 and pool.isPersistent() == 0
    assert pool.autostart() == 0
    assert name in conn.listStoragePools()
    assert name not in conn.listDefinedStoragePools()
    assert os.path.exists(state_file(libvirtd, name))
    assert not os.path.exists(config_file(libvirtd, name))
    # No config file, so no autostart.
    assert code_of(lambda: pool.setAutostart(1)) == libvirt.VIR_ERR_INTERNAL_ERROR
    vol = pool.createXML(vol_xml("v.raw", MIB), 0)
    assert os.path.getsize(vol.path()) == MIB
    vol.delete(0)

    pool.destroy()  # a transient pool is gone once stopped ...
    assert code_of(pool.isActive) == libvirt.VIR_ERR_NO_STORAGE_POOL
    assert code_of(lambda: conn.storagePoolLookupByName(name)) == \
        libvirt.VIR_ERR_NO_STORAGE_POOL
    assert os.path.isdir(target)  # ... but its directory stays
    os.rmdir(target)


def test_failed_start_leaves_the_pool_defined_and_inactive(libvirtd,
                                                           storage_conn):
    conn = storage_conn
    missing = os.path.join(libvirtd.workdir, "never-built")
    a_file = os.path.join(libvirtd.workdir, "a-file")
    with open(a_file, "w") as f:
        f.write("not a directory")
    give_to_daemon(libvirtd, a_file)
    try:
        for name, path in (("unbuilt", missing), ("on-a-file", a_file)):
            pool = conn.storagePoolDefineXML(pool_xml(name, path), 0)
            xml = pool.XMLDesc(0)
            assert error_of(lambda: pool.create(0)) is not None
            assert pool.isActive() == 0 and pool.isPersistent() == 1
            assert pool.XMLDesc(0) == xml
            assert not os.path.exists(state_file(libvirtd, name))
            pool.undefine()
        assert not os.path.exists(missing)
        assert read(a_file) == b"not a directory"
    finally:
        os.unlink(a_file)


# --- redefinition -------------------------------------------------------------

def test_redefine_active_pool_keeps_live_definition(libvirtd, storage_conn):
    conn = storage_conn
    name = "redefine"
    old = os.path.join(libvirtd.workdir, name + "-old")
    new = os.path.join(libvirtd.workdir, name + "-new")
    pool = conn.storagePoolDefineXML(pool_xml(name, old, "0755", UUID), 0)
    pool.build(0)
    pool.create(0)
    pool.createXML(vol_xml("old.raw", 4096), 0)

    again = conn.storagePoolDefineXML(pool_xml(name, new, "0711", UUID), 0)
    assert again.UUIDString() == pool.UUIDString() == UUID
    assert pool.isActive() == 1
    live, pending = pool.XMLDesc(0), pool.XMLDesc(INACTIVE)
    assert path_of(live) == old                      # unchanged
    assert (path_of(pending), mode_of(pending)) == (new, "0711")
    assert path_of(read(config_file(libvirtd, name)).decode()) == new
    assert path_of(read(state_file(libvirtd, name)).decode()) == old
    assert pool.listVolumes() == ["old.raw"]
    assert not os.path.exists(new)

    pool.destroy()  # the pending definition takes effect
    for xml in (pool.XMLDesc(0), pool.XMLDesc(INACTIVE)):
        assert (path_of(xml), mode_of(xml)) == (new, "0711")
    pool.build(0)
    assert os.path.isdir(new)
    pool.create(0)
    assert path_of(pool.XMLDesc(0)) == new and pool.listVolumes() == []
    pool.destroy()
    pool.delete(0)
    assert os.path.exists(os.path.join(old, "old.raw"))

    # An inactive pool's definition is replaced at once.
    conn.storagePoolDefineXML(pool_xml(name, old, "0700", UUID), 0)
    for xml in (pool.XMLDesc(0), pool.XMLDesc(INACTIVE)):
        assert (path_of(xml), mode_of(xml)) == (old, "0700")
    assert path_of(read(config_file(libvirtd, name)).decode()) == old
    pool.create(0)
    assert pool.listVolumes() == ["old.raw"]
    pool.storageVolLookupByName("old.raw").delete(0)
    pool.destroy()
    pool.delete(0)
    pool.undefine()


# --- events -------------------------------------------------------------------

def test_lifecycle_and_refresh_events_in_order(event_loop, libvirtd,
                                               storage_conn):
    conn = storage_conn
    name = "events"
    seen = []

    def lifecycle(c, pool, event, detail, opaque):
        if pool.name() == name:
            seen.append((event, opaque, c is conn))

    def refreshed(c, pool, opaque):
        if pool.name() == name:
            seen.append(("REFRESH", opaque, c is conn))

    ids = [conn.storagePoolEventRegisterAny(
               None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, lifecycle,
               "life"),
           conn.storagePoolEventRegisterAny(
               None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH, refreshed,
               "refresh")]
    try:
        pool = conn.storagePoolDefineXML(
            pool_xml(name, os.path.join(libvirtd.workdir, name)), 0)
        pool.build(0)
        pool.create(0)
        pool.refresh(0)
        pool.destroy()
        pool.delete(0)
        pool.undefine()
        assert wait_for(lambda: len(seen) >= 7, 30)
    finally:
        for i in ids:
            conn.storagePoolEventDeregisterAny(i)
    E = libvirt
    assert seen == [(E.VIR_STORAGE_POOL_EVENT_DEFINED, "life", True),
                    (E.VIR_STORAGE_POOL_EVENT_CREATED, "life", True),  # build
                    (E.VIR_STORAGE_POOL_EVENT_STARTED, "life", True),
                    ("REFRESH", "refresh", True),
                    (E.VIR_STORAGE_POOL_EVENT_STOPPED, "life", True),
                    (E.VIR_STORAGE_POOL_EVENT_DELETED, "life", True),
                    (E.VIR_STORAGE_POOL_EVENT_UNDEFINED, "life", True)]


def test_events_of_one_pool_only(event_loop, libvirtd, storage_conn):
    conn = storage_conn
    pools = [conn.storagePoolDefineXML(pool_xml(
        n, os.path.join(libvirtd.workdir, n)), 0) for n in ("ev-a", "ev-b")]
    seen = []
    cb = conn.storagePoolEventRegisterAny(
        pools[1], libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
        lambda c, p, opaque: seen.append(p.name()), None)
    try:
        for p in pools:
            p.build(0)
            p.create(0)
        # Events come in order: one for ev-a would arrive first.
        pools[0].refresh(0)
        pools[1].refresh(0)
        assert wait_for(lambda: seen, 30)
    finally:
        conn.storagePoolEventDeregisterAny(cb)
        for p in pools:
            p.destroy()
            p.delete(0)
            p.undefine()
    assert seen == ["ev-b"]


# --- the daemon dies ------------------------------------------------------------

def _watch_close(conn):
    """Keepalive (so a hung daemon cannot hang a call) and a close callback;
    returns (event set on close, list of callback arguments)."""
    assert conn.setKeepAlive(5, 3) == 0  # needs the event loop
    closed = threading.Event()
    calls = []

    def on_close(c, reason, opaque):
        calls.append((c is conn, reason, opaque))
        closed.set()

    conn.registerCloseCallback(on_close, "opaque")
    return closed, calls


CLOSE_REASONS = (libvirt.VIR_CONNECT_CLOSE_REASON_EOF,
                 libvirt.VIR_CONNECT_CLOSE_REASON_ERROR,
                 libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE)
BROKEN_CONNECTION = (libvirt.VIR_ERR_SYSTEM_ERROR,
                     libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_RPC)


def test_daemon_killed_during_a_slow_start(event_loop, libvirtd, storage_conn,
                                           slow_dir):
    conn = storage_conn
    closed, calls = _watch_close(conn)
    work = libvirtd.workdir
    running = conn.storagePoolDefineXML(
        pool_xml("k-running", os.path.join(work, "k-running")), 0)
    running.build(0)
    running.create(0)
    conn.storagePoolDefineXML(
        pool_xml("k-defined", os.path.join(work, "k-defined")), 0)
    conn.storagePoolCreateXML(
        pool_xml("k-transient", os.path.join(work, "k-transient")),
        libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    slow = conn.storagePoolDefineXML(pool_xml("k-slow", slow_dir), 0)

    def killer():
        wait_for_start(libvirtd, "k-slow", main)
        libvirtd.kill()

    main = threading.current_thread()
    t = threading.Thread(target=killer)
    t.start()
    err = error_of(lambda: slow.create(0))
    t.join(60)
    assert not t.is_alive()
    assert not libvirtd.is_running()
    if err is None:
        # The start beat the kill (it cannot, short of a stalled test): the
        # next call meets the dead daemon instead.
        err = error_of(slow.isActive)
    assert err is not None and err.get_error_code() in BROKEN_CONNECTION
    assert closed.wait(30)
    assert len(calls) == 1
    assert calls[0][0] is True and calls[0][2] == "opaque"
    assert calls[0][1] in CLOSE_REASONS
    # Later calls fail too, at once.
    assert code_of(lambda: conn.storagePoolLookupByName("k-running")) \
        is not None

    libvirtd.restart()
    c = libvirt.open(libvirtd.uri)
    try:
        p = c.storagePoolLookupByName("k-running")
        assert (p.isActive(), p.isPersistent()) == (1, 1)
        p = c.storagePoolLookupByName("k-defined")
        assert (p.isActive(), p.isPersistent()) == (0, 1)
        # Transient pools are kept by their state file too.
        p = c.storagePoolLookupByName("k-transient")
        assert (p.isActive(), p.isPersistent()) == (1, 0)
        # The interrupted start had written its state file: libvirt takes
        # the pool as running and refreshes it on startup.
        p = c.storagePoolLookupByName("k-slow")
        assert (p.isActive(), p.isPersistent()) == (1, 1)
        assert p.numOfVolumes() == SLOW_FILES
        for n in ("k-running", "k-defined", "k-transient", "k-slow"):
            remove_pool(c.storagePoolLookupByName(n))
        for n in ("k-running", "k-transient"):
            os.rmdir(os.path.join(work, n))
    finally:
        c.close()


def test_daemon_killed_then_called(event_loop, libvirtd, storage_conn):
    conn = storage_conn
    closed, calls = _watch_close(conn)
    pool = conn.storagePoolDefineXML(
        pool_xml("k-then", os.path.join(libvirtd.workdir, "k-then")), 0)
    libvirtd.kill()
    for call in (pool.isActive, lambda: pool.create(0),
                 lambda: conn.storagePoolLookupByName("k-then"),
                 lambda: conn.listAllStoragePools(0)):
        assert code_of(call) in BROKEN_CONNECTION
    assert closed.wait(30)
    assert [(c, r in CLOSE_REASONS, o) for c, r, o in calls] == \
        [(True, True, "opaque")]

    libvirtd.restart()
    c = libvirt.open(libvirtd.uri)
    try:
        p = c.storagePoolLookupByName("k-then")
        assert (p.isActive(), p.isPersistent()) == (0, 1)
        p.undefine()
    finally:
        c.close()


# --- bad input ----------------------------------------------------------------

def test_bad_input_leaves_pools_and_files_intact(libvirtd, storage_conn):
    conn = storage_conn
    name = "intact"
    target = os.path.join(libvirtd.workdir, name)
    pool = conn.storagePoolDefineXML(pool_xml(name, target, "0755", UUID), 0)
    pool.build(0)
    pool.create(0)
    vol = pool.createXML(vol_xml("keep.raw", 65536), 0)
    data = os.urandom(65536)
    st = conn.newStream(0)
    vol.upload(st, 0, len(data), 0)
    st.sendAll(lambda s, nbytes, f: f.read(nbytes), io.BytesIO(data))
    st.finish()
    live, inactive = pool.XMLDesc(0), pool.XMLDesc(INACTIVE)
    on_disk = read(config_file(libvirtd, name))

    # Invalid definitions, some of them for the same name or directory.
    E = libvirt
    for xml, code in [
            ("<pool type='dir'><name>%s</name>" % name, E.VIR_ERR_XML_DETAIL),
            ("not xml at all", E.VIR_ERR_XML_DETAIL),
            ("", E.VIR_ERR_XML_DETAIL),
            ("<pool type='bogus'><name>%s</name><target><path>%s</path>"
             "</target></pool>" % (name, target),
             # (libvirt 7.0 called an unknown type unsupported configuration)
             E.VIR_ERR_XML_ERROR if row.loaded_libvirt() >= (9, 0, 0) else E.VIR_ERR_CONFIG_UNSUPPORTED),
            ("<pool type='dir'><name>%s</name></pool>" % name,
             E.VIR_ERR_XML_ERROR),  # no target path
            (pool_xml(name, target, "0700",
                      "11111111-2222-3333-4444-555555555555"),
             E.VIR_ERR_OPERATION_FAILED),  # same name, other UUID
            (pool_xml("intact-twin", target), E.VIR_ERR_OPERATION_FAILED)]:
        assert code_of(lambda: conn.storagePoolDefineXML(xml, 0)) == code, xml
        assert code_of(lambda: conn.storagePoolCreateXML(xml, 0)) == code, xml
    for bad, words in ((None, "must not be NULL"), (42, "must be str")):
        with pytest.raises(TypeError, match=words) as refused:
            conn.storagePoolDefineXML(bad, 0)
        assert refused.value.get_error_code() == E.VIR_ERR_INVALID_ARG
    assert code_of(lambda: pool.createXML("<volume><name>x</name></volume>",
                                          0)) == E.VIR_ERR_XML_ERROR
    assert code_of(lambda: pool.createXML(vol_xml("keep.raw", 1), 0)) == \
        E.VIR_ERR_STORAGE_VOL_EXIST
    assert code_of(lambda: pool.createXML(vol_xml("../escape", 1), 0)) == \
        E.VIR_ERR_OPERATION_INVALID

    # Unknown names.
    assert code_of(lambda: conn.storagePoolLookupByName("no-such-pool")) == \
        E.VIR_ERR_NO_STORAGE_POOL
    assert code_of(lambda: conn.storagePoolLookupByUUIDString(
        "11111111-2222-3333-4444-555555555555")) == E.VIR_ERR_NO_STORAGE_POOL
    assert code_of(lambda: conn.storagePoolLookupByUUIDString("not-a-uuid")) \
        == E.VIR_ERR_INVALID_ARG
    assert code_of(lambda: pool.storageVolLookupByName("no-such-vol")) == \
        E.VIR_ERR_NO_STORAGE_VOL

    # A pool of a closed connection: libvirt keeps the connection alive for
    # the pool (close() returns the references left), so the pool still
    # works; the closed connection object itself does not.
    other = libvirt.open(libvirtd.uri)
    orphan = other.storagePoolLookupByName(name)
    assert other.close() == 1
    assert orphan.isActive() == 1 and orphan.name() == name
    assert orphan.connect() is other
    assert code_of(other.getURI) == E.VIR_ERR_INVALID_CONN
    assert code_of(lambda: other.listAllStoragePools(0)) == E.VIR_ERR_INVALID_CONN
    del orphan

    # A stream used after finish().
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    got = []
    st.recvAll(lambda s, chunk, acc: acc.append(chunk), got)
    st.finish()
    assert b"".join(got) == data
    for call in (lambda: st.send(b"x" * 10), lambda: st.recv(10), st.finish,
                 st.abort, lambda: st.sendAll(lambda s, n, o: b"y", None),
                 lambda: st.recvAll(lambda s, d, o: 0, None)):
        e = error_of(call)
        assert e is not None and e.get_error_code() == E.VIR_ERR_OPERATION_FAILED
        assert "stream is closed" in e.get_error_message()

    # Everything is as it was.
    assert pool.isActive() == 1 and pool.isPersistent() == 1
    assert definition(pool.XMLDesc(0)) == definition(live)
    assert definition(pool.XMLDesc(INACTIVE)) == definition(inactive)
    assert mode_of(live) == "0755" and UUID in live
    assert read(config_file(libvirtd, name)) == on_disk
    assert pool.listVolumes() == ["keep.raw"]
    assert read(vol.path()) == data
    assert sorted(os.listdir(target)) == ["keep.raw"]
    assert code_of(lambda: conn.storagePoolLookupByName("intact-twin")) == \
        E.VIR_ERR_NO_STORAGE_POOL

    vol.delete(0)
    pool.destroy()
    pool.delete(0)
    pool.undefine()
