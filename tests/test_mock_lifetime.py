"""Object lifetime: no leaks over many calls, children outlive their
connection's Python object."""
import gc
import os

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
    def step():
        c = libvirt.open(TEST_URI)
        assert c.lookupByName("test").ID() == 1
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
