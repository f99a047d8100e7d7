"""virConnect basics against test:///default."""
import gc
import socket
import xml.etree.ElementTree as ET

import pytest

import libvirt

TEST_URI = "test:///default"


def test_open_returns_virConnect():
    c = libvirt.open(TEST_URI)
    try:
        assert isinstance(c, libvirt.virConnect)
        assert c.getURI() == TEST_URI
    finally:
        c.close()


def test_open_keyword_argument():
    # The reference names the parameter "name".
    c = libvirt.open(name=TEST_URI)
    try:
        assert c.getURI() == TEST_URI
    finally:
        c.close()


def test_open_read_only():
    c = libvirt.openReadOnly(TEST_URI)
    try:
        assert c.getURI() == TEST_URI
        # Reading works ...
        assert c.lookupByName("test").name() == "test"
        # ... writing is refused by libvirt itself.
        with pytest.raises(libvirt.libvirtError) as ei:
            c.defineXML("<domain type='test'><name>ro</name>"
                        "<memory>1024</memory><os><type>hvm</type></os>"
                        "</domain>")
        assert ei.value.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED
    finally:
        c.close()


def test_concurrent_opens_share_the_default_instance():
    # test:///default is one shared instance while any connection (or any
    # object holding a connection reference) is alive.
    a = libvirt.open(TEST_URI)
    b = libvirt.open(TEST_URI)
    try:
        a.lookupByName("test").destroy()
        assert b.lookupByName("test").isActive() == 0
    finally:
        b.lookupByName("test").create()
        a.close()
        b.close()


def test_default_instance_is_fresh_after_last_reference_is_gone():
    # Once every connection and child object is released the driver frees
    # its state; this fails if the binding leaks a connection reference.
    a = libvirt.open(TEST_URI)
    d = a.lookupByName("test")
    d.destroy()
    assert a.close() == 1  # d still holds a reference
    b = libvirt.open(TEST_URI)
    assert b.lookupByName("test").isActive() == 0  # still shared
    b.close()
    del d
    gc.collect()
    c = libvirt.open(TEST_URI)
    try:
        assert c.lookupByName("test").isActive() == 1
    finally:
        c.close()


def test_get_uri(conn):
    uri = conn.getURI()
    assert type(uri) is str
    assert uri == TEST_URI


def test_get_hostname(conn):
    h = conn.getHostname()
    assert type(h) is str and h
    # libvirt may return the canonical FQDN; compare the short name.
    assert h.split(".")[0] == socket.gethostname().split(".")[0]


def test_get_lib_version(conn, installed_libvirt_version):
    v = conn.getLibVersion()
    assert type(v) is int
    assert v == installed_libvirt_version


def test_get_version_of_test_driver(conn):
    # The test driver reports hypervisor version 2 (0.0.2).
    v = conn.getVersion()
    assert type(v) is int
    assert v == 2


def test_get_type(conn):
    assert conn.getType() == "TEST"


def test_get_capabilities_parses(conn):
    caps = conn.getCapabilities()
    assert type(caps) is str
    root = ET.fromstring(caps)
    assert root.tag == "capabilities"
    assert root.findtext("host/cpu/arch") == "i686"
    os_types = [g.findtext("os_type") for g in root.findall("guest")]
    assert "hvm" in os_types


def test_get_info_shape_and_values(conn):
    info = conn.getInfo()
    assert type(info) is list
    assert len(info) == 8
    model = info[0]
    nums = info[1:]
    assert type(model) is str
    assert all(type(x) is int for x in nums)
    # Fixed values of the test driver's default node.
    assert info == ["i686", 3072, 16, 1400, 2, 2, 2, 2]
    # cpus == nodes * sockets * cores * threads
    assert info[2] == info[4] * info[5] * info[6] * info[7]


def test_alive_secure_encrypted(conn):
    alive, secure, enc = conn.isAlive(), conn.isSecure(), conn.isEncrypted()
    assert (type(alive), type(secure), type(enc)) == (int, int, int)
    # In-process driver: alive, "secure" (no network), not encrypted.
    assert (alive, secure, enc) == (1, 1, 0)


def test_close_returns_zero_without_children():
    c = libvirt.open(TEST_URI)
    c.getURI()
    assert c.close() == 0


def test_close_returns_remaining_refcount_with_children():
    # virConnectClose returns the number of references still held; a live
    # child object holds one.
    c = libvirt.open(TEST_URI)
    p = c.storagePoolLookupByName("default-pool")
    assert c.close() == 1
    # The child still works: it holds its own reference on the connection.
    assert p.name() == "default-pool"
    assert p.info()[0] == libvirt.VIR_STORAGE_POOL_RUNNING
    del p


def test_call_on_closed_connection_raises():
    c = libvirt.open(TEST_URI)
    assert c.close() == 0
    with pytest.raises(libvirt.libvirtError) as ei:
        c.getURI()
    assert ei.value.get_error_code() == libvirt.VIR_ERR_INVALID_CONN
    with pytest.raises(libvirt.libvirtError):
        c.lookupByName("test")
    with pytest.raises(libvirt.libvirtError):
        c.storagePoolLookupByName("default-pool")


def test_double_close_raises():
    c = libvirt.open(TEST_URI)
    c.close()
    with pytest.raises(libvirt.libvirtError) as ei:
        c.close()
    assert ei.value.get_error_code() == libvirt.VIR_ERR_INVALID_CONN


def test_module_get_version(installed_libvirt_version):
    v = libvirt.getVersion()
    assert type(v) is int
    assert v == installed_libvirt_version
    # major*1000000 + minor*1000 + micro, major >= 1
    assert v // 1000000 >= 1


def test_module_get_version_with_driver_name(installed_libvirt_version):
    # With a driver name the reference returns (libVer, typeVer); libvirt
    # 9.x reports its own version for both.
    v = libvirt.getVersion("Test")
    assert type(v) is tuple
    assert v == (installed_libvirt_version, installed_libvirt_version)
