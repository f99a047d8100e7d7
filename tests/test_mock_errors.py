"""libvirtError contents for failing calls.

Expected codes are what libvirt 9.0 really reports (checked against the
reference binding), e.g. garbage XML is VIR_ERR_XML_DETAIL, not
VIR_ERR_XML_ERROR.
"""
import gc

import re

import pytest

import libvirt

INT_OR_NONE = (int, type(None))
STR_OR_NONE = (str, type(None))


def check_accessors(e):
    """Every accessor works and returns the documented type."""
    assert isinstance(e, libvirt.libvirtError)
    assert isinstance(e, Exception)
    assert type(e.get_error_code()) is int
    assert type(e.get_error_domain()) is int
    msg = e.get_error_message()
    assert type(msg) is str and msg
    assert str(e) == msg
    assert e.get_error_level() == libvirt.VIR_ERR_ERROR
    for s in (e.get_str1(), e.get_str2(), e.get_str3()):
        assert isinstance(s, STR_OR_NONE)
    for i in (e.get_int1(), e.get_int2()):
        assert isinstance(i, INT_OR_NONE)
    # .err is the raw virError tuple
    assert type(e.err) is tuple
    assert len(e.err) == 9
    assert e.err[0] == e.get_error_code()
    assert e.err[1] == e.get_error_domain()
    assert e.err[2] == msg


def raised(fn, *args):
    with pytest.raises(libvirt.libvirtError) as ei:
        fn(*args)
    check_accessors(ei.value)
    return ei.value


def reference_error(run_reference, call):
    """The reference's error tuple (libvirtError.err) for `call` on a
    test:///default connection `conn`."""
    proc = run_reference(
        "import libvirt, sys\n"
        "libvirt.registerErrorHandler(lambda *a: None, None)\n"
        "conn = libvirt.open('test:///default')\n"
        "try:\n    %s\nexcept libvirt.libvirtError as e:\n    print(repr(e.err))\n" % call)
    return eval(proc.stdout)


def test_lookup_missing_domain(conn, run_reference):
    e = raised(conn.lookupByName, "no-such-domain")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    assert e.get_error_domain() == libvirt.VIR_FROM_TEST
    assert "Domain not found" in e.get_error_message()
    assert e.get_str1() == "Domain not found"
    assert (e.get_int1(), e.get_int2()) == (-1, -1)
    # The rest as libvirt gives it (9.0: no str2; 7.0: an empty one).
    assert e.err == reference_error(run_reference, "conn.lookupByName('no-such-domain')")


def test_lookup_missing_domain_by_id_and_uuid(conn):
    e = raised(conn.lookupByID, 9999)
    assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    e = raised(conn.lookupByUUIDString, "00000000-0000-0000-0000-000000000000")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    e = raised(conn.lookupByUUID, b"\x00" * 16)
    assert e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN


def test_lookup_malformed_uuid_string(conn):
    e = raised(conn.lookupByUUIDString, "not-a-uuid")
    assert e.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
    assert e.get_error_domain() == libvirt.VIR_FROM_DOMAIN
    assert e.get_str1() == "virDomainLookupByUUIDString"
    assert e.get_str2() == "uuidstr"


def test_lookup_missing_pool(conn):
    e = raised(conn.storagePoolLookupByName, "no-such-pool")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL
    assert e.get_error_domain() == libvirt.VIR_FROM_TEST
    assert "no-such-pool" in e.get_error_message()
    # libvirt's format string: positional ("%1$s") since libvirt 10.x.
    assert re.fullmatch(r"Storage pool not found: %(1\$)?s", e.get_str1())
    assert e.get_str2() == "no storage pool with matching name 'no-such-pool'"


def test_lookup_missing_network(conn):
    e = raised(conn.networkLookupByName, "no-such-net")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_NETWORK
    assert e.get_error_domain() == libvirt.VIR_FROM_TEST
    assert "no-such-net" in str(e)


def test_lookup_missing_volume(conn, pool):
    e = raised(pool.storageVolLookupByName, "nope.img")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL
    e = raised(conn.storageVolLookupByPath, "/no/such/vol")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL
    e = raised(conn.storageVolLookupByKey, "/no/such/key")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL


def test_define_garbage_xml(conn):
    e = raised(conn.defineXML, "this is not xml")
    assert e.get_error_code() == libvirt.VIR_ERR_XML_DETAIL
    assert e.get_error_domain() == libvirt.VIR_FROM_DOMAIN
    # Message is libxml2's parser diagnostic, multi-line.
    assert "Start tag expected" in str(e)


def test_define_wrong_root_element(conn, run_reference):
    e = raised(conn.defineXML, "<notadomain/>")
    assert e.get_error_code() == libvirt.VIR_ERR_XML_ERROR
    assert "notadomain" in str(e)
    # VIR_FROM_XML on 9.0, VIR_FROM_DOMAIN on 7.0: as libvirt says
    assert e.err == reference_error(run_reference, "conn.defineXML('<notadomain/>')")


def test_define_domain_without_name(conn):
    e = raised(conn.defineXML, "<domain type='test'/>")
    assert e.get_error_code() == libvirt.VIR_ERR_NO_NAME
    assert e.get_error_domain() == libvirt.VIR_FROM_DOMAIN


def test_pool_define_garbage_xml(conn):
    e = raised(conn.storagePoolDefineXML, "garbage", 0)
    assert e.get_error_code() == libvirt.VIR_ERR_XML_DETAIL
    assert e.get_error_domain() == libvirt.VIR_FROM_STORAGE


def test_network_define_garbage_xml(conn):
    e = raised(conn.networkDefineXML, "garbage")
    assert e.get_error_code() == libvirt.VIR_ERR_XML_DETAIL
    assert e.get_error_domain() == libvirt.VIR_FROM_NETWORK


def test_invalid_state_transition(dom):
    # "test" is running: starting or resuming it again fails.
    e = raised(dom.create)
    assert e.get_error_code() == libvirt.VIR_ERR_INTERNAL_ERROR
    assert e.get_error_domain() == libvirt.VIR_FROM_TEST
    assert "already running" in str(e)
    e = raised(dom.resume)
    assert e.get_error_code() == libvirt.VIR_ERR_INTERNAL_ERROR


def test_duplicate_domain(conn):
    e = raised(conn.createXML,
               "<domain type='test'><name>test</name><memory>1024</memory>"
               "<os><type>hvm</type></os></domain>", 0)
    assert e.get_error_code() == libvirt.VIR_ERR_OPERATION_FAILED
    assert "already exists" in str(e)


def test_unsupported_flags(conn, pool):
    # The test driver accepts no flags for listAllStoragePools beyond the
    # defined filter bits.
    e = raised(conn.listAllStoragePools, 1 << 30)
    assert e.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
    assert "unsupported flags" in str(e)


def test_open_unknown_uri_scheme():
    # No daemon on this machine: libvirt tries the remote driver and fails.
    with pytest.raises(libvirt.libvirtError) as ei:
        libvirt.open("nosuchdriver:///system")
    e = ei.value
    assert type(e.get_error_code()) is int
    assert e.get_error_code() != libvirt.VIR_ERR_OK
    assert str(e)


def test_error_is_catchable_as_exception(conn):
    with pytest.raises(Exception) as ei:
        conn.lookupByName("no-such-domain")
    assert type(ei.value) is libvirt.libvirtError


def test_error_object_survives_later_errors(conn):
    # The virError is copied into the exception, not referenced.
    try:
        conn.lookupByName("no-such-domain")
    except libvirt.libvirtError as e1:
        first = e1
    try:
        conn.storagePoolLookupByName("no-such-pool")
    except libvirt.libvirtError:
        pass
    assert first.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    assert first.get_error_message() == "Domain not found"


def test_last_error_functions(conn):
    libvirt.virResetLastError()
    assert libvirt.virGetLastError() is None
    with pytest.raises(libvirt.libvirtError):
        conn.lookupByName("no-such-domain")
    last = libvirt.virGetLastError()
    assert type(last) is tuple and len(last) == 9
    assert last[0] == libvirt.VIR_ERR_NO_DOMAIN
    assert last[1] == libvirt.VIR_FROM_TEST
    assert conn.virConnGetLastError()[0] == libvirt.VIR_ERR_NO_DOMAIN
    libvirt.virResetLastError()
    assert libvirt.virGetLastError() is None


def test_register_error_handler():
    seen = []
    assert libvirt.registerErrorHandler(
        lambda ctx, err: seen.append((ctx, err)), "my-ctx") == 1
    try:
        c = libvirt.open("test:///default")
        try:
            with pytest.raises(libvirt.libvirtError):
                c.storagePoolLookupByName("no-such-pool")
        finally:
            c.close()
    finally:
        # Back to libvirt's default handler.
        libvirt.registerErrorHandler(None, None)
    assert len(seen) == 1
    ctx, err = seen[0]
    assert ctx == "my-ctx"
    assert type(err) is tuple and len(err) == 9
    assert err[0] == libvirt.VIR_ERR_NO_STORAGE_POOL
    assert err[1] == libvirt.VIR_FROM_TEST


def test_user_constructed_error_has_no_virerror():
    # libvirtError raised by Python code without a libvirt error behind it.
    libvirt.virResetLastError()
    e = libvirt.libvirtError("custom message")
    assert str(e) == "custom message"
    assert e.get_error_code() is None
    assert e.get_error_message() is None


def test_freeing_an_object_keeps_the_pending_error(conn):
    # Every libvirt free resets the thread's last error; a free that happens
    # between a failing call and the reading of its error (garbage collection
    # can run there) must not lose it.
    pool = conn.storagePoolLookupByName("default-pool")
    with pytest.raises(libvirt.libvirtError):
        conn.lookupByName("no-such-domain")
    del pool
    gc.collect()
    err = libvirt.virGetLastError()
    assert err is not None and err[0] == libvirt.VIR_ERR_NO_DOMAIN
    # The deferred free happens with the next one made without an error.
    libvirt.virResetLastError()
    conn.storagePoolLookupByName("default-pool")
    gc.collect()
    assert libvirt.virGetLastError() is None


WAITING_FREES = r'''
import gc, sys, libvirt
other = libvirt.open("test://" + sys.argv[1])   # an instance of its own
c = libvirt.open("test:///default")
c.lookupByName("test").destroy()        # this instance's mark: "test" shut off
try:
    c.lookupByName("no-such-domain")
except libvirt.libvirtError:
    pass                                # the error stays unread
del c
gc.collect()
err = libvirt.virGetLastError()
assert err is not None and err[0] == libvirt.VIR_ERR_NO_DOMAIN, err
libvirt.virResetLastError()
other.lookupByName("private")           # a handle made and dropped, no collection
fresh = libvirt.open("test:///default")
print(fresh.lookupByName("test").isActive())
'''

NODE_XML = ("<node><domain type='test'><name>private</name><memory>1024</memory>"
            "<os><type>hvm</type></os></domain></node>")


def test_frees_that_waited_for_an_error_happen_at_the_next_handle(tmp_path):
    # The connection's free waits while the error is unread; the next handle
    # made performs it (PyPy runs its finalizers late, often right after a
    # failing call, so the next free alone may never come in a loop). Then
    # test:///default starts fresh: "test" runs. In a process of its own:
    # no other connection may hold test:///default.
    import subprocess
    import sys
    node = tmp_path / "node.xml"
    node.write_text(NODE_XML)
    result = subprocess.run([sys.executable, "-c", WAITING_FREES, str(node)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["1"]


def test_errors_are_not_printed_unless_asked():
    # In a fresh interpreter: the binding's default handler is quiet, and
    # registerErrorHandler(None, None) brings back libvirt's printing.
    import subprocess
    import sys
    code = ("import libvirt, sys\n"
            "c = libvirt.open('test:///default')\n"
            "def fail(name):\n"
            "    try:\n"
            "        c.lookupByName(name)\n"
            "    except libvirt.libvirtError:\n"
            "        pass\n"
            "fail('quiet-domain')\n"
            "sys.stderr.flush()\n"
            "libvirt.registerErrorHandler(None, None)\n"
            "fail('printed-domain')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, check=True)
    assert "Domain not found" in result.stderr
    assert result.stderr.count("Domain not found") == 1
