"""Several threads using one connection at the same time."""
import threading

import libvirt

N_THREADS = 4
N_ITER = 2000


def run_threads(target, n=N_THREADS):
    """Start n threads behind a barrier so they really overlap; return the
    per-thread results and any exceptions raised."""
    barrier = threading.Barrier(n)
    results = [None] * n
    errors = []

    def wrap(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except BaseException as e:  # collected, asserted on below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_concurrent_lookups_same_connection(conn):
    def work(i):
        count = 0
        for _ in range(N_ITER):
            p = conn.storagePoolLookupByName("default-pool")
            assert p.name() == "default-pool"
            assert p.info()[0] == libvirt.VIR_STORAGE_POOL_RUNNING
            d = conn.lookupByName("test")
            assert d.info()[0] == libvirt.VIR_DOMAIN_RUNNING
            assert d.UUIDString() == "6695eb01-f6a4-8304-79aa-97f2502e193f"
            assert conn.networkLookupByName("default").bridgeName() == "virbr0"
            count += 1
        return count

    results, errors = run_threads(work)
    assert errors == []
    assert results == [N_ITER] * N_THREADS


def test_concurrent_errors_are_per_thread(conn):
    # libvirt keeps the last error per thread: each thread must see the
    # error of its own failing call, never another thread's.
    lookups = [
        (conn.lookupByName, "missing-dom", libvirt.VIR_ERR_NO_DOMAIN),
        (conn.storagePoolLookupByName, "missing-pool",
         libvirt.VIR_ERR_NO_STORAGE_POOL),
        (conn.networkLookupByName, "missing-net", libvirt.VIR_ERR_NO_NETWORK),
        (conn.lookupByUUIDString, "bad-uuid", libvirt.VIR_ERR_INVALID_ARG),
    ]

    def work(i):
        fn, arg, code = lookups[i % len(lookups)]
        seen = set()
        for _ in range(N_ITER):
            try:
                fn(arg)
            except libvirt.libvirtError as e:
                seen.add(e.get_error_code())
            else:
                raise AssertionError("%s(%r) did not fail" % (fn, arg))
            # A successful call in between must not be disturbed either.
            assert conn.lookupByName("test").ID() == 1
        return seen

    results, errors = run_threads(work)
    assert errors == []
    for i, seen in enumerate(results):
        assert seen == {lookups[i % len(lookups)][2]}


def test_concurrent_define_undefine(conn):
    # Writers on the same connection: each thread owns its own domain.
    def work(i):
        name = "thr-%d-%s" % (i, threading.get_ident())
        xml = ("<domain type='test'><name>%s</name><memory>65536</memory>"
               "<os><type>hvm</type></os></domain>" % name)
        for _ in range(200):
            d = conn.defineXML(xml)
            assert d.name() == name
            d.create()
            assert d.isActive() == 1
            d.destroy()
            d.undefine()
        return name

    results, errors = run_threads(work)
    assert errors == []
    defined = conn.listDefinedDomains()
    assert not any(r in defined for r in results)


def test_threads_with_own_connections():
    def work(i):
        c = libvirt.open("test:///default")
        try:
            total = 0
            for _ in range(500):
                total += c.storagePoolLookupByName("default-pool").info()[1]
            return total
        finally:
            c.close()

    results, errors = run_threads(work)
    assert errors == []
    assert results == [500 * 107374182400] * N_THREADS
