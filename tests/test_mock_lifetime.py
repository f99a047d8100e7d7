"""Object lifetime: no leaks over many calls, children outlive their
connection's Python object, and what close() and `with` release at once.

Nothing here assumes that a dropped object is freed at once (CPython's
reference counting): where a release must be proven, libvirt shows it
(test:///default starts a fresh instance only once no reference to a
connection is left; close() returns 0 only when nothing else holds one)."""
import gc
import os

import pytest

import libvirt

TEST_URI = "test:///default"
PAGE = os.sysconf("SC_PAGE_SIZE")
# Generous slack: a per-call leak of even ~100 bytes over 100,000 calls
# exceeds it, while allocator noise stays far below.
SLACK = 10 * 1024 * 1024


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def growth(fn, n, warmup=2000):
    """Bytes of RSS growth over n calls of fn, after a warm-up."""
    for _ in range(warmup):
        fn()
    gc.collect()
    before = rss()
    for _ in range(n):
        fn()
    gc.collect()
    return rss() - before


def test_pool_lookup_and_name_do_not_leak(conn):
    def step():
        p = conn.storagePoolLookupByName("default-pool")
        assert p.name() == "default-pool"
    assert growth(step, 100000) < SLACK


def test_domain_lookups_do_not_leak(conn):
    def step():
        d = conn.lookupByName("test")
        assert d.name() == "test"
        assert conn.lookupByID(1).ID() == 1
    assert growth(step, 50000) < SLACK


def test_returned_strings_and_lists_do_not_leak(conn, dom):
    # XMLDesc/info return malloc'ed buffers or arrays the binding must free.
    def step():
        assert dom.XMLDesc(0).startswith("<domain")
        assert dom.info()[0] == libvirt.VIR_DOMAIN_RUNNING
        assert len(conn.listAllDomains(0)) == 1
        assert conn.listStoragePools() == ["default-pool"]
    assert growth(step, 20000) < SLACK


def test_error_path_does_not_leak(conn):
    def step():
        try:
            conn.lookupByName("no-such-domain")
        except libvirt.libvirtError as e:
            assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
        else:
            raise AssertionError("lookup of a missing domain succeeded")
    assert growth(step, 50000) < SLACK


def test_open_close_does_not_leak():
    # A leaked connection would keep a whole driver instance alive each time.
    # No child is made: on PyPy a dropped one would make every close()
    # collect (what that releases is proven below, by libvirt's answers).
    def step():
        c = libvirt.open(TEST_URI)
        assert c.getURI() == TEST_URI
        assert c.close() == 0
    assert growth(step, 1000, warmup=100) < SLACK


def test_pool_keeps_working_after_conn_deleted():
    conn = libvirt.open(TEST_URI)
    pool = conn.storagePoolLookupByName("default-pool")
    del conn
    gc.collect()
    assert pool.name() == "default-pool"
    assert pool.info()[0] == libvirt.VIR_STORAGE_POOL_RUNNING
    assert pool.isActive() == 1
    # connect() hands back a usable connection object.
    assert pool.connect().getURI() == TEST_URI
    assert pool.connect().lookupByName("test").name() == "test"


def test_domain_keeps_working_after_conn_deleted():
    conn = libvirt.open(TEST_URI)
    dom = conn.lookupByName("test")
    del conn
    gc.collect()
    assert dom.name() == "test"
    assert dom.info()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert dom.XMLDesc(0).startswith("<domain")
    assert dom.connect().getType() == "TEST"


def test_network_and_volume_keep_working_after_conn_deleted(tmp_path):
    conn = libvirt.open(TEST_URI)
    net = conn.networkLookupByName("default")
    pool = conn.storagePoolLookupByName("default-pool")
    vol = pool.createXML("<volume><name>life.img</name>"
                         "<capacity>1048576</capacity></volume>", 0)
    try:
        del conn, pool
        gc.collect()
        assert net.bridgeName() == "virbr0"
        assert vol.name() == "life.img"
        assert vol.info()[1] == 1048576
        assert vol.storagePoolLookupByVolume().name() == "default-pool"
    finally:
        vol.delete(0)


def test_list_all_results_outlive_list_and_conn():
    conn = libvirt.open(TEST_URI)
    doms = conn.listAllDomains(0)
    pools = conn.listAllStoragePools(0)
    del conn
    gc.collect()
    assert [d.name() for d in doms] == ["test"]
    assert [p.name() for p in pools] == ["default-pool"]
    d = doms[0]
    del doms
    gc.collect()
    assert d.state()[0] == libvirt.VIR_DOMAIN_RUNNING


def test_many_children_then_drop_everything():
    # Dropping children and the connection in any order must not crash.
    conn = libvirt.open(TEST_URI)
    kids = [conn.storagePoolLookupByName("default-pool") for _ in range(100)]
    kids += [conn.lookupByName("test") for _ in range(100)]
    assert conn.close() > 0  # children still hold references
    del conn
    gc.collect()
    assert kids[0].name() == "default-pool"
    assert kids[-1].name() == "test"
    del kids
    gc.collect()
    # The driver state was released: a new connection sees a fresh instance.
    c = libvirt.open(TEST_URI)
    try:
        assert c.lookupByName("test").isActive() == 1
    finally:
        c.close()


def test_close_after_children_freed_returns_zero():
    # Freed children give their connection reference back.
    conn = libvirt.open(TEST_URI)
    kids = [conn.lookupByName("test") for _ in range(3)]
    del kids
    gc.collect()
    assert conn.close() == 0


def test_an_unregistered_close_callback_lets_the_connection_go():
    # The test driver takes a close callback without keeping it: libvirt
    # never frees its opaque, so the binding drops it on unregistration.
    from libvirt import _callbacks
    conn = libvirt.open(TEST_URI)
    held = len(_callbacks._held)
    assert conn.registerCloseCallback(lambda *args: None, None) == 0
    assert len(_callbacks._held) == held + 1
    assert conn.unregisterCloseCallback() is None
    assert len(_callbacks._held) == held
    assert conn.close() == 0        # nothing else holds it (1 if something did)


def peak_growth(fn, n, samples=20):
    """The highest RSS growth seen while fn runs n times with no collection
    asked for: whatever frees the handles (CPython's reference counts,
    PyPy's GC told their size by ffi.gc) has to keep up by itself."""
    for _ in range(2000):
        fn()
    gc.collect()
    before = peak = rss()
    for i in range(n):
        fn()
        if i % (n // samples) == 0:
            peak = max(peak, rss())
    return max(peak, rss()) - before


def test_100000_lookups_stay_bounded_without_collecting():
    # 200,000 handles of about 150 bytes each inside libvirt: 30 MB if the
    # loop freed none of them, and more for their Python objects.
    c = libvirt.open(TEST_URI)

    def step():
        c.lookupByName("test")
        c.listAllDomains(0)
    assert peak_growth(step, 100000) < SLACK
    del step
    gc.collect()
    assert c.close() == 0       # and every one gave its reference back


def settled():
    """Collect what earlier tests dropped (on PyPy it may still hold
    test:///default's instance), then tell whether the instance is fresh:
    its domain "test" runs."""
    for _ in range(3):
        gc.collect()
    c = libvirt.open(TEST_URI)
    try:
        return c.lookupByName("test").isActive() == 1
    finally:
        c.close()


def test_with_block_closes_the_connection_at_its_end():
    assert settled()
    with libvirt.open(TEST_URI) as c:
        for _ in range(100):
            c.lookupByName("test")      # children made and dropped in the block
        c.lookupByName("test").destroy()
    # No collection asked for: the instance is gone at the block's end
    # (a reference left anywhere would keep "test" shut off).
    d = libvirt.open(TEST_URI)
    try:
        assert d.lookupByName("test").isActive() == 1
    finally:
        if not d.lookupByName("test").isActive():
            d.lookupByName("test").create()
        d.close()


def test_close_keeps_children_the_program_holds():
    assert settled()
    c = libvirt.open(TEST_URI)
    held = c.lookupByName("test")
    for _ in range(100):
        c.lookupByName("test")
    assert c.close() == 1           # held still has its reference ...
    assert held.name() == "test"    # ... and works
    held.destroy()
    d = libvirt.open(TEST_URI)
    try:
        assert d.lookupByName("test").isActive() == 0   # the same instance
    finally:
        d.lookupByName("test").create()
        d.close()


def test_stream_with_block_releases_it_at_its_end():
    c = libvirt.open(TEST_URI)
    with c.newStream() as st:
        assert st.connect() is c
    with pytest.raises(libvirt.libvirtError):
        st.finish()                 # an invalid stream now, not a crash
    with pytest.raises(ValueError):
        with c.newStream() as st:
            raise ValueError("the block failed")     # abort() is tried, then close()
    assert c.close() == 0
