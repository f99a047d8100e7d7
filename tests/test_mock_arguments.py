"""Argument handling a drop-in replacement must share with the reference:
parameter names and defaults, accepted argument types, openAuth."""
import enum
import inspect

import pytest

import libvirt

TEST_URI = "test:///default"

# Parameter names (after self) and defaults, as in libvirt-python 9.0.0.
SIGNATURES = {
    ("virConnect", "lookupByName"): [("name", None)],
    ("virConnect", "lookupByID"): [("id", None)],
    ("virConnect", "lookupByUUID"): [("uuid", None)],
    ("virConnect", "lookupByUUIDString"): [("uuidstr", None)],
    ("virConnect", "defineXML"): [("xml", None)],
    ("virConnect", "createXML"): [("xmlDesc", None), ("flags", 0)],
    ("virConnect", "storagePoolDefineXML"): [("xml", None), ("flags", 0)],
    ("virConnect", "storagePoolLookupByName"): [("name", None)],
    ("virConnect", "storagePoolLookupByUUID"): [("uuid", None)],
    ("virConnect", "storagePoolLookupByUUIDString"): [("uuidstr", None)],
    ("virConnect", "storageVolLookupByKey"): [("key", None)],
    ("virConnect", "storageVolLookupByPath"): [("path", None)],
    ("virConnect", "networkDefineXML"): [("xml", None)],
    ("virConnect", "networkCreateXML"): [("xmlDesc", None)],
    ("virConnect", "networkLookupByName"): [("name", None)],
    ("virConnect", "listAllDomains"): [("flags", 0)],
    ("virConnect", "listAllStoragePools"): [("flags", 0)],
    ("virConnect", "listAllNetworks"): [("flags", 0)],
    ("virConnect", "getCapabilities"): [],
    ("virConnect", "getInfo"): [],
    ("virConnect", "close"): [],
    ("virDomain", "XMLDesc"): [("flags", 0)],
    ("virDomain", "info"): [],
    ("virDomain", "state"): [("flags", 0)],
    ("virDomain", "create"): [],
    ("virDomain", "createWithFlags"): [("flags", 0)],
    ("virDomain", "undefineFlags"): [("flags", 0)],
    ("virStoragePool", "XMLDesc"): [("flags", 0)],
    ("virStoragePool", "build"): [("flags", 0)],
    ("virStoragePool", "create"): [("flags", 0)],
    ("virStoragePool", "createXML"): [("xmlDesc", None), ("flags", 0)],
    ("virStoragePool", "createXMLFrom"): [("xmlDesc", None),
                                          ("clonevol", None), ("flags", 0)],
    ("virStoragePool", "delete"): [("flags", 0)],
    ("virStoragePool", "destroy"): [],
    ("virStoragePool", "refresh"): [("flags", 0)],
    ("virStoragePool", "setAutostart"): [("autostart", None)],
    ("virStoragePool", "listAllVolumes"): [("flags", 0)],
    ("virStoragePool", "storageVolLookupByName"): [("name", None)],
    ("virStoragePool", "info"): [],
    ("virStorageVol", "delete"): [("flags", 0)],
    ("virStorageVol", "XMLDesc"): [("flags", 0)],
    ("virStorageVol", "storagePoolLookupByVolume"): [],
    ("virNetwork", "setAutostart"): [("autostart", None)],
    ("virNetwork", "XMLDesc"): [("flags", 0)],
}


@pytest.mark.parametrize("cls,meth", sorted(SIGNATURES),
                         ids=["%s.%s" % k for k in sorted(SIGNATURES)])
def test_method_signature(cls, meth):
    sig = inspect.signature(getattr(getattr(libvirt, cls), meth))
    params = list(sig.parameters.values())
    assert params[0].name == "self"
    got = [(p.name, None if p.default is inspect.Parameter.empty
            else p.default) for p in params[1:]]
    assert got == SIGNATURES[(cls, meth)]


def test_module_function_signatures():
    def names(fn):
        return list(inspect.signature(fn).parameters)
    assert names(libvirt.open) == ["name"]
    assert names(libvirt.openReadOnly) == ["name"]
    assert names(libvirt.openAuth) == ["uri", "auth", "flags"]
    assert names(libvirt.getVersion) == ["name"]
    assert names(libvirt.registerErrorHandler) == ["f", "ctx"]


def test_classes_exported():
    for name in ("virConnect", "virDomain", "virNetwork", "virStoragePool",
                 "virStorageVol", "libvirtError"):
        assert isinstance(getattr(libvirt, name), type), name
    assert issubclass(libvirt.libvirtError, Exception)


# --- accepted argument types ---------------------------------------------------

class MyStr(str):
    pass


class MyFlag(enum.IntFlag):
    ACTIVE = 2  # == VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE


class Indexable:
    def __index__(self):
        return 0


def test_str_subclass_accepted(conn):
    assert conn.lookupByName(MyStr("test")).name() == "test"


def test_int_subclasses_accepted_as_flags(conn, pool):
    assert pool.XMLDesc(False).startswith("<pool")
    pools = conn.listAllStoragePools(MyFlag.ACTIVE)
    assert [p.name() for p in pools] == ["default-pool"]


def test_index_protocol_accepted_as_flags(pool):
    assert pool.XMLDesc(Indexable()).startswith("<pool")


def test_bool_accepted_as_int(conn, net):
    assert conn.lookupByID(True).name() == "test"  # id 1
    try:
        assert net.setAutostart(True) == 0
        assert net.autostart() == 1
    finally:
        net.setAutostart(False)


def test_flags_default_to_zero(pool, dom):
    assert pool.XMLDesc() == pool.XMLDesc(0)
    assert dom.state() == dom.state(0)


# --- openAuth ------------------------------------------------------------------

def test_open_auth_with_callback():
    calls = []

    def cb(creds, cbdata):
        calls.append(cbdata)
        return 0

    c = libvirt.openAuth(TEST_URI, [[libvirt.VIR_CRED_AUTHNAME], cb, "data"], 0)
    try:
        assert isinstance(c, libvirt.virConnect)
        assert c.getURI() == TEST_URI
        assert c.lookupByName("test").name() == "test"
    finally:
        c.close()
    # The test driver needs no credentials.
    assert calls == []


def test_open_auth_with_none_callback():
    # The reference treats a None callback as "no callback".
    c = libvirt.openAuth(TEST_URI, [[], None, None], 0)
    try:
        assert c.getURI() == TEST_URI
    finally:
        c.close()


def test_open_auth_read_only_flag():
    c = libvirt.openAuth(TEST_URI, [[libvirt.VIR_CRED_AUTHNAME],
                                    lambda creds, data: 0, None],
                         libvirt.VIR_CONNECT_RO)
    try:
        with pytest.raises(libvirt.libvirtError) as ei:
            c.networkDefineXML("<network><name>ro</name></network>")
        assert ei.value.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED
    finally:
        c.close()
