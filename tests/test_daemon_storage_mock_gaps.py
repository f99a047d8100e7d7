"""Storage semantics test:///default (libvirt's in-process mock driver)
lacks, next to the real storage driver (a private libvirtd).  Each row is
backed by the test named under it, which runs the same steps on both and
asserts the difference, so a row that stops being true fails.

====================================  ======================  =====================
semantics (test)                      test:///default         real driver
====================================  ======================  =====================
XMLDesc(VIR_STORAGE_XML_INACTIVE)     VIR_ERR_INVALID_ARG     the persistent
  test_inactive_xml_flag              (unsupported flags)     definition
redefine a running pool, then         the old definition      the new one takes
destroy it                            stays live, also after  over at destroy
  test_pending_definition_on_destroy  the next start
build                                 makes no directory      makes the directory
start, target directory missing       starts                  fails
delete                                directory stays         directory removed
  test_build_create_delete_on_disk
volume createXML / delete             no file                 file made / removed
  test_volume_files
start / refresh read the directory    its files are no        every file is a
  test_refresh_scans_the_directory    volumes                 volume
a running pool's permissions          as defined              the directory's
  test_live_permissions                                       (refresh copies them)
info() of a pool never started        100 GiB capacity and    all zero
  test_info_of_a_pool_never_started   available
storagePoolCreateXML with             VIR_ERR_INVALID_ARG     directory built,
CREATE_WITH_BUILD                     (unsupported flags)     pool running
  test_create_with_build_flag
vol wipe, wipePattern, resize,        VIR_ERR_NO_SUPPORT      work
infoFlags, upload, download;
conn getStoragePoolCapabilities
  test_calls_the_mock_lacks
====================================  ======================  =====================

Lifecycle and refresh events (DEFINED, CREATED on build, STARTED, REFRESH,
STOPPED, DELETED, UNDEFINED), by contrast, come the same on both
(test_events_are_the_same).
"""
import os
import shutil

import pytest

import libvirt
from waiting import wait_for
from test_daemon_storage import (MIB, code_of, give_to_daemon, mode_of,
                                 path_of, pool_xml, read, remove_pool,
                                 vol_xml)

E = libvirt
INACTIVE = E.VIR_STORAGE_XML_INACTIVE
UUID = "5d1e3c2b-7a8f-4e6d-9c0b-1a2b3c4d5e6f"


class Driver:
    """One side of the comparison: a connection and a base directory."""

    def __init__(self, label, conn, base, pools):
        self.label, self.conn, self.base, self._pools = label, conn, base, pools

    def dir(self, leaf):
        return os.path.join(self.base, leaf)

    def define(self, leaf, mode="0755", uuid=UUID):
        pool = self.conn.storagePoolDefineXML(
            pool_xml("gap-pool", self.dir(leaf), mode, uuid), 0)
        self._pools.append(pool)
        return pool

    def started(self, leaf="pool"):
        pool = self.define(leaf)
        pool.build(0)
        pool.create(0)
        return pool


@pytest.fixture
def both(request, conn, storage_conn, libvirtd, tmp_path):
    """{"mock": Driver, "real": Driver}; their pools are removed after."""
    real_base = os.path.join(libvirtd.workdir, "gaps-" + "".join(
        ch if ch.isalnum() else "-" for ch in request.node.name))
    os.mkdir(real_base)
    give_to_daemon(libvirtd, real_base)
    pools = []
    yield {"mock": Driver("mock", conn, str(tmp_path), pools),
           "real": Driver("real", storage_conn, real_base, pools)}
    for pool in reversed(pools):
        for vol in _volumes(pool):
            code_of(lambda: vol.delete(0))
        remove_pool(pool)
    shutil.rmtree(real_base, ignore_errors=True)


def _volumes(pool):
    try:
        return pool.listAllVolumes(0)
    except libvirt.libvirtError:
        return []  # inactive or gone


def on_both(both, steps):
    """{label: steps(driver)} for the mock and the real driver."""
    return {label: steps(d) for label, d in both.items()}


def test_inactive_xml_flag(both):
    def steps(d):
        pool = d.started()
        return code_of(lambda: pool.XMLDesc(INACTIVE))

    assert on_both(both, steps) == {"mock": E.VIR_ERR_INVALID_ARG,
                                    "real": None}


def test_pending_definition_on_destroy(both):
    def steps(d):
        pool = d.started("old")
        d.define("new", mode="0711")  # same name and UUID, other target
        live = path_of(pool.XMLDesc(0))
        pool.destroy()
        after_destroy = path_of(pool.XMLDesc(0))
        pool.build(0)
        pool.create(0)
        after_restart = path_of(pool.XMLDesc(0))
        pool.destroy()
        return [os.path.basename(p) for p in
                (live, after_destroy, after_restart)]

    assert on_both(both, steps) == {"mock": ["old", "old", "old"],
                                    "real": ["old", "new", "new"]}


def test_build_create_delete_on_disk(both):
    def steps(d):
        target = d.dir("pool")
        pool = d.define("pool")
        pool.build(0)
        built = os.path.isdir(target)
        if not built:
            os.mkdir(target)  # so that delete has something to remove
        pool.delete(0)
        deleted = not os.path.exists(target)
        # Start with the directory missing.
        if os.path.exists(target):
            os.rmdir(target)
        started = code_of(lambda: pool.create(0)) is None
        code_of(pool.destroy)
        return built, deleted, started

    assert on_both(both, steps) == {"mock": (False, False, True),
                                    "real": (True, True, False)}


def test_volume_files(both):
    def steps(d):
        pool = d.started()
        vol = pool.createXML(vol_xml("v.raw", 65536), 0)
        path = vol.path()
        made = os.path.exists(path) and os.path.getsize(path)
        if not made:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:  # for delete to remove
                f.write(b"v")
        vol.delete(0)
        return made, os.path.exists(path)

    assert on_both(both, steps) == {"mock": (False, True),
                                    "real": (65536, False)}


def test_refresh_scans_the_directory(both, libvirtd):
    def steps(d):
        target = d.dir("pool")
        os.mkdir(target)
        give_to_daemon(libvirtd, target)
        before = os.path.join(target, "before.raw")
        with open(before, "wb") as f:
            f.write(b"b" * 4096)
        give_to_daemon(libvirtd, before)
        pool = d.define("pool")
        pool.create(0)
        at_start = pool.listVolumes()
        after = os.path.join(target, "after.raw")
        with open(after, "wb") as f:
            f.write(b"a" * 4096)
        give_to_daemon(libvirtd, after)
        pool.refresh(0)
        return at_start, sorted(pool.listVolumes())

    assert on_both(both, steps) == {
        "mock": ([], []),
        "real": (["before.raw"], ["after.raw", "before.raw"])}


def test_live_permissions(both):
    def steps(d):
        pool = d.define("pool", mode="0755")
        pool.build(0)  # the real driver makes the directory 0755
        d.define("pool", mode="0711")  # inactive: replaced at once
        defined = mode_of(pool.XMLDesc(0))
        pool.create(0)
        return defined, mode_of(pool.XMLDesc(0))

    assert on_both(both, steps) == {"mock": ("0711", "0711"),
                                    "real": ("0711", "0755")}


def test_info_of_a_pool_never_started(both):
    def steps(d):
        return d.define("pool").info()

    got = on_both(both, steps)
    assert got["real"] == [E.VIR_STORAGE_POOL_INACTIVE, 0, 0, 0]
    state, capacity, allocation, available = got["mock"]
    assert state == E.VIR_STORAGE_POOL_INACTIVE
    assert capacity == available == 100 * 1024 * MIB and allocation == 0


def test_create_with_build_flag(both):
    def steps(d):
        target = d.dir("transient")
        xml = pool_xml("gap-transient", target)
        try:
            pool = d.conn.storagePoolCreateXML(
                xml, E.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
        except libvirt.libvirtError as e:
            return e.get_error_code(), os.path.exists(target)
        try:
            return pool.isActive(), os.path.isdir(target)
        finally:
            pool.destroy()

    assert on_both(both, steps) == {"mock": (E.VIR_ERR_INVALID_ARG, False),
                                    "real": (1, True)}


def _upload(conn, vol):
    st = conn.newStream(0)
    vol.upload(st, 0, 4, 0)
    st.send(b"data")
    st.finish()
    return read(vol.path())[:4] == b"data"


def _download(conn, vol):
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    got = []
    st.recvAll(lambda s, chunk, acc: acc.append(chunk), got)
    st.finish()
    return len(b"".join(got)) == MIB


CALLS = {
    "wipe": lambda c, v: v.wipe(0) == 0,
    "wipePattern": lambda c, v: v.wipePattern(
        E.VIR_STORAGE_VOL_WIPE_ALG_ZERO, 0) == 0,
    "resize": lambda c, v: v.resize(2 * MIB, 0) == 0 and v.info()[1] == 2 * MIB,
    "infoFlags": lambda c, v: v.infoFlags(0)[1] == MIB,
    "upload": _upload,
    "download": _download,
    "getStoragePoolCapabilities": lambda c, v: "<storagepoolCapabilities"
    in c.getStoragePoolCapabilities(0),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_calls_the_mock_lacks(both, name):
    def steps(d):
        vol = d.started().createXML(vol_xml("v.raw", MIB), 0)
        try:
            return "worked", CALLS[name](d.conn, vol)
        except libvirt.libvirtError as e:
            return "failed", e.get_error_code()

    assert on_both(both, steps) == {"mock": ("failed", E.VIR_ERR_NO_SUPPORT),
                                    "real": ("worked", True)}


def test_events_are_the_same(event_loop, both):
    def steps(d):
        seen = []
        ids = [d.conn.storagePoolEventRegisterAny(
                   None, E.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                   lambda c, p, event, detail, o: seen.append(event), None),
               d.conn.storagePoolEventRegisterAny(
                   None, E.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
                   lambda c, p, o: seen.append("REFRESH"), None)]
        try:
            pool = d.define("pool")
            for step in (lambda: pool.build(0), lambda: pool.create(0),
                         lambda: pool.refresh(0), pool.destroy,
                         lambda: pool.delete(0), pool.undefine):
                step()
            assert wait_for(lambda: len(seen) >= 7, 30)
        finally:
            for i in ids:
                d.conn.storagePoolEventDeregisterAny(i)
        return seen

    expected = [E.VIR_STORAGE_POOL_EVENT_DEFINED,
                E.VIR_STORAGE_POOL_EVENT_CREATED,
                E.VIR_STORAGE_POOL_EVENT_STARTED, "REFRESH",
                E.VIR_STORAGE_POOL_EVENT_STOPPED,
                E.VIR_STORAGE_POOL_EVENT_DELETED,
                E.VIR_STORAGE_POOL_EVENT_UNDEFINED]
    assert on_both(both, steps) == {"mock": expected, "real": expected}
