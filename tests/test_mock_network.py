"""virNetwork against test:///default (network "default" is active)."""
import uuid as uuidmod
import xml.etree.ElementTree as ET

import pytest

import libvirt

DEFAULT_NET_UUID = "dd8fe884-6c02-601e-7551-cca97df1c5df"


def unique(prefix):
    # test:///default is shared while any reference is alive: avoid clashes.
    return "%s-%s" % (prefix, uuidmod.uuid4().hex[:8])


def net_xml(name, bridge):
    return ("<network><name>%s</name><bridge name='%s'/>"
            "<ip address='10.77.0.1' netmask='255.255.255.0'/></network>"
            % (name, bridge))


def cleanup_network(n):
    for op in (n.destroy, n.undefine):
        try:
            op()
        except libvirt.libvirtError:
            pass


def test_lookup_by_name(conn):
    n = conn.networkLookupByName("default")
    assert isinstance(n, libvirt.virNetwork)
    assert n.name() == "default"


def test_lookup_by_uuid(conn, net):
    assert conn.networkLookupByUUIDString(DEFAULT_NET_UUID).name() == "default"
    u = net.UUID()
    assert type(u) is bytes and len(u) == 16
    assert uuidmod.UUID(bytes=u) == uuidmod.UUID(DEFAULT_NET_UUID)
    assert conn.networkLookupByUUID(u).name() == "default"


def test_uuid_string(net):
    s = net.UUIDString()
    assert type(s) is str
    assert s == DEFAULT_NET_UUID


def test_xml_desc(net):
    root = ET.fromstring(net.XMLDesc())
    assert root.tag == "network"
    assert root.findtext("name") == "default"
    assert root.findtext("uuid") == DEFAULT_NET_UUID
    assert root.find("bridge").get("name") == "virbr0"
    assert root.find("ip").get("address") == "192.168.122.1"
    assert ET.fromstring(net.XMLDesc(flags=0)).findtext("name") == "default"


def test_bridge_name(net):
    b = net.bridgeName()
    assert type(b) is str
    assert b == "virbr0"


def test_is_active_persistent(net):
    assert net.isActive() == 1
    assert net.isPersistent() == 1
    assert type(net.isActive()) is int


def test_autostart_roundtrip(net):
    a = net.autostart()
    assert type(a) is int
    assert a == 0
    try:
        assert net.setAutostart(1) == 0
        assert net.autostart() == 1
        assert net.setAutostart(autostart=0) == 0
        assert net.autostart() == 0
    finally:
        net.setAutostart(0)


def test_connect_returns_parent(conn, net):
    assert net.connect() is conn


def test_define_create_destroy_undefine(conn):
    name = unique("net")
    n = conn.networkDefineXML(net_xml(name, "virbr77"))
    try:
        assert isinstance(n, libvirt.virNetwork)
        assert n.name() == name
        assert n.isActive() == 0
        assert n.isPersistent() == 1
        assert n.bridgeName() == "virbr77"
        assert name in conn.listDefinedNetworks()
        assert name not in conn.listNetworks()

        assert n.create() == 0
        assert n.isActive() == 1
        assert name in conn.listNetworks()
        assert name not in conn.listDefinedNetworks()
        assert conn.networkLookupByName(name).UUIDString() == n.UUIDString()

        assert n.destroy() == 0
        assert n.isActive() == 0
        assert name in conn.listDefinedNetworks()

        assert n.undefine() == 0
        assert name not in conn.listDefinedNetworks()
        with pytest.raises(libvirt.libvirtError) as ei:
            conn.networkLookupByName(name)
        assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_NETWORK
    finally:
        cleanup_network(n)


def test_create_xml_transient(conn):
    name = unique("tnet")
    n = conn.networkCreateXML(net_xml(name, "virbr78"))
    try:
        assert n.isActive() == 1
        assert n.isPersistent() == 0
        assert name in conn.listNetworks()
        n.destroy()
        with pytest.raises(libvirt.libvirtError) as ei:
            conn.networkLookupByName(name)
        assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_NETWORK
    finally:
        cleanup_network(n)


def test_list_networks(conn):
    nets = conn.listNetworks()
    assert type(nets) is list
    assert all(type(x) is str for x in nets)
    assert "default" in nets
    assert conn.numOfNetworks() == len(nets)


def test_list_defined_networks(conn):
    before = conn.listDefinedNetworks()
    assert type(before) is list
    assert "default" not in before
    assert conn.numOfDefinedNetworks() == len(before)
    name = unique("dnet")
    n = conn.networkDefineXML(net_xml(name, "virbr79"))
    try:
        assert sorted(conn.listDefinedNetworks()) == sorted(before + [name])
        assert conn.numOfDefinedNetworks() == len(before) + 1
    finally:
        cleanup_network(n)


def test_list_all_networks_flags(conn):
    name = unique("anet")
    n = conn.networkDefineXML(net_xml(name, "virbr80"))
    try:
        def names(flags=0):
            nets = conn.listAllNetworks(flags)
            assert type(nets) is list
            assert all(isinstance(x, libvirt.virNetwork) for x in nets)
            return {x.name() for x in nets}

        assert {"default", name} <= names()
        act = names(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE)
        assert "default" in act and name not in act
        inact = names(libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE)
        assert name in inact and "default" not in inact
        assert {"default", name} <= names(
            libvirt.VIR_CONNECT_LIST_NETWORKS_PERSISTENT)
        assert not ({"default", name} &
                    names(libvirt.VIR_CONNECT_LIST_NETWORKS_TRANSIENT))
        no_auto = libvirt.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART
        assert "default" in names(flags=no_auto)
    finally:
        cleanup_network(n)
