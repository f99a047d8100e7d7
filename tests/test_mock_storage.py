"""Storage pools and volumes against test:///default.

The test driver keeps everything in memory: build/create/delete do not touch
the filesystem, but paths and keys are derived from the pool's target path.
"""
import uuid as uuidmod
import xml.etree.ElementTree as ET

import pytest

import libvirt

DEFAULT_POOL_UUID = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"
GIB100 = 107374182400  # default pool capacity of the test driver
MIB = 1024 * 1024


def unique(prefix):
    # test:///default is shared while any reference is alive: avoid clashes.
    return "%s-%s" % (prefix, uuidmod.uuid4().hex[:8])


def pool_xml(name, path):
    return ("<pool type='dir'><name>%s</name>"
            "<target><path>%s</path></target></pool>" % (name, path))


def vol_xml(name, cap_mib=10, alloc_mib=1):
    return ("<volume><name>%s</name>"
            "<capacity unit='MiB'>%d</capacity>"
            "<allocation unit='MiB'>%d</allocation>"
            "<target><format type='raw'/></target></volume>"
            % (name, cap_mib, alloc_mib))


def cleanup_pool(p):
    for op in (p.destroy, p.undefine):
        try:
            op()
        except libvirt.libvirtError:
            pass


@pytest.fixture
def new_pool(conn, tmp_path):
    """A defined (inactive) dir pool under tmp_path; removed afterwards."""
    name = unique("pool")
    path = str(tmp_path / "pool")
    p = conn.storagePoolDefineXML(pool_xml(name, path), 0)
    yield p, name, path
    cleanup_pool(p)


@pytest.fixture
def active_pool(new_pool):
    p, name, path = new_pool
    p.build(0)
    p.create(0)
    return new_pool


def assert_pool_info(info):
    assert type(info) is list
    assert len(info) == 4
    assert all(type(x) is int for x in info), info


# --- the default pool -------------------------------------------------------

def test_default_pool_lookup_and_info(conn):
    p = conn.storagePoolLookupByName("default-pool")
    assert isinstance(p, libvirt.virStoragePool)
    assert p.name() == "default-pool"
    info = p.info()
    assert_pool_info(info)
    assert info == [libvirt.VIR_STORAGE_POOL_RUNNING, GIB100, 0, GIB100]
    assert p.isActive() == 1
    assert p.isPersistent() == 1
    assert p.UUIDString() == DEFAULT_POOL_UUID


def test_default_pool_xml(pool):
    root = ET.fromstring(pool.XMLDesc(0))
    assert root.tag == "pool"
    assert root.get("type") == "dir"
    assert root.findtext("name") == "default-pool"
    assert root.findtext("uuid") == DEFAULT_POOL_UUID
    assert root.findtext("target/path") == "/default-pool"
    assert root.findtext("capacity") == str(GIB100)


def test_xml_desc_inactive_flag_unsupported_by_test_driver(pool):
    # VIR_STORAGE_XML_INACTIVE is a real flag but the test driver rejects it.
    with pytest.raises(libvirt.libvirtError) as ei:
        pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE)
    assert ei.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
    assert ei.value.get_error_domain() == libvirt.VIR_FROM_TEST


def test_pool_connect_returns_parent(conn, pool):
    assert pool.connect() is conn


# --- full lifecycle -----------------------------------------------------------

def test_pool_full_lifecycle(conn, tmp_path):
    name = unique("life")
    path = str(tmp_path / "pool")
    p = conn.storagePoolDefineXML(xml=pool_xml(name, path), flags=0)
    try:
        assert isinstance(p, libvirt.virStoragePool)
        assert p.name() == name
        assert p.isActive() == 0
        assert p.isPersistent() == 1
        info = p.info()
        assert_pool_info(info)
        assert info[0] == libvirt.VIR_STORAGE_POOL_INACTIVE
        assert name in conn.listDefinedStoragePools()
        assert name not in conn.listStoragePools()

        assert p.build(0) == 0
        assert p.create(0) == 0
        assert p.isActive() == 1
        info = p.info()
        assert_pool_info(info)
        assert info == [libvirt.VIR_STORAGE_POOL_RUNNING, GIB100, 0, GIB100]
        assert name in conn.listStoragePools()
        assert name not in conn.listDefinedStoragePools()

        assert p.autostart() == 0
        assert p.setAutostart(1) == 0
        assert p.autostart() == 1
        assert p.setAutostart(0) == 0
        assert p.autostart() == 0

        # Volumes
        assert p.listVolumes() == []
        assert p.numOfVolumes() == 0
        v1 = p.createXML(vol_xml("v1.img"), 0)
        v2 = p.createXML(xmlDesc=vol_xml("v2.img"), flags=0)
        assert isinstance(v1, libvirt.virStorageVol) and isinstance(v2, libvirt.virStorageVol)
        assert sorted(p.listVolumes()) == ["v1.img", "v2.img"]
        assert p.numOfVolumes() == 2
        allv = p.listAllVolumes()
        assert type(allv) is list
        assert all(isinstance(v, libvirt.virStorageVol) for v in allv)
        assert sorted(v.name() for v in allv) == ["v1.img", "v2.img"]
        # Volume allocations are accounted in the pool.
        info = p.info()
        assert info[2] == 2 * MIB
        assert info[3] == GIB100 - 2 * MIB

        v1_path = path + "/v1.img"
        assert v1.name() == "v1.img"
        assert v1.path() == v1_path
        assert v1.key() == v1_path  # dir pools key volumes by path
        assert p.storageVolLookupByName("v1.img").key() == v1_path
        assert conn.storageVolLookupByKey(v1_path).name() == "v1.img"
        assert conn.storageVolLookupByPath(v1_path).name() == "v1.img"
        assert v1.storagePoolLookupByVolume().name() == name

        vinfo = v1.info()
        assert type(vinfo) is list
        assert len(vinfo) == 3
        assert all(type(x) is int for x in vinfo)
        assert vinfo == [libvirt.VIR_STORAGE_VOL_FILE, 10 * MIB, 1 * MIB]

        vroot = ET.fromstring(v1.XMLDesc(0))
        assert vroot.tag == "volume"
        assert vroot.findtext("name") == "v1.img"
        assert vroot.findtext("key") == v1_path
        assert vroot.findtext("capacity") == str(10 * MIB)
        assert vroot.findtext("target/path") == v1_path

        assert v1.delete(0) == 0
        with pytest.raises(libvirt.libvirtError) as ei:
            p.storageVolLookupByName("v1.img")
        assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL
        assert p.listVolumes() == ["v2.img"]

        assert p.refresh(0) == 0
        assert p.listVolumes() == ["v2.img"]
        assert p.numOfVolumes() == 1

        assert p.destroy() == 0
        assert p.isActive() == 0
        assert p.info()[0] == libvirt.VIR_STORAGE_POOL_INACTIVE
        # Volumes of an inactive pool are not accessible.
        with pytest.raises(libvirt.libvirtError) as ei:
            p.listVolumes()
        assert ei.value.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID
        assert name in conn.listDefinedStoragePools()

        assert p.delete(0) == 0
        assert p.undefine() == 0
        assert name not in conn.listDefinedStoragePools()
        with pytest.raises(libvirt.libvirtError) as ei:
            conn.storagePoolLookupByName(name)
        assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL
    finally:
        cleanup_pool(p)


def test_create_xml_from_clones_volume(active_pool):
    p, name, path = active_pool
    src = p.createXML(vol_xml("src.img", cap_mib=20), 0)
    clone = p.createXMLFrom(vol_xml("clone.img", cap_mib=20), src, 0)
    assert clone.name() == "clone.img"
    assert clone.path() == path + "/clone.img"
    assert clone.info()[1] == 20 * MIB
    clone2 = p.createXMLFrom(xmlDesc=vol_xml("clone2.img"), clonevol=src,
                             flags=0)
    assert clone2.name() == "clone2.img"
    assert sorted(p.listVolumes()) == ["clone.img", "clone2.img", "src.img"]


def test_volume_info_after_pool_object_dropped(active_pool, conn):
    # A volume handle stays usable on its own.
    p, name, path = active_pool
    v = p.createXML(vol_xml("solo.img"), 0)
    del p
    assert v.info()[1] == 10 * MIB
    assert v.storagePoolLookupByVolume().name() == name


# --- UUIDs --------------------------------------------------------------------

def test_pool_uuid(conn, new_pool):
    p, name, path = new_pool
    u = p.UUID()
    assert type(u) is bytes
    assert len(u) == 16
    s = p.UUIDString()
    assert type(s) is str
    assert uuidmod.UUID(bytes=u) == uuidmod.UUID(s)
    assert conn.storagePoolLookupByUUID(u).name() == name
    assert conn.storagePoolLookupByUUIDString(s).name() == name
    assert conn.storagePoolLookupByUUIDString(uuidstr=s).name() == name


def test_pool_uuid_from_xml(conn, tmp_path):
    name = unique("uuidpool")
    u = str(uuidmod.uuid4())
    xml = ("<pool type='dir'><name>%s</name><uuid>%s</uuid>"
           "<target><path>%s</path></target></pool>"
           % (name, u, tmp_path / "p"))
    p = conn.storagePoolDefineXML(xml, 0)
    try:
        assert p.UUIDString() == u
        assert p.UUID() == uuidmod.UUID(u).bytes
    finally:
        cleanup_pool(p)


# --- listing ------------------------------------------------------------------

def test_list_storage_pools(conn, new_pool):
    p, name, path = new_pool
    active = conn.listStoragePools()
    defined = conn.listDefinedStoragePools()
    assert type(active) is list and type(defined) is list
    assert all(type(x) is str for x in active + defined)
    assert "default-pool" in active and name not in active
    assert name in defined and "default-pool" not in defined
    assert conn.numOfStoragePools() == len(active)
    assert conn.numOfDefinedStoragePools() == len(defined)


def test_list_all_storage_pools_filters(conn, new_pool):
    p, name, path = new_pool

    def names(flags=0):
        pools = conn.listAllStoragePools(flags)
        assert type(pools) is list
        assert all(isinstance(x, libvirt.virStoragePool) for x in pools)
        return {x.name() for x in pools}

    assert {"default-pool", name} <= names()
    act = names(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
    assert "default-pool" in act and name not in act
    inact = names(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)
    assert name in inact and "default-pool" not in inact
    both = names(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE |
                 libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)
    assert {"default-pool", name} <= both
    assert {"default-pool", name} <= names(
        libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_DIR)
    assert not ({"default-pool", name} &
                names(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL))

    # Starting the pool moves it to the ACTIVE set.
    p.create(0)
    assert name in names(flags=libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
    assert name not in names(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)


def test_list_all_volumes_of_default_pool(pool):
    assert pool.listAllVolumes() == []
    assert pool.listAllVolumes(flags=0) == []
    assert pool.listVolumes() == []
    assert pool.numOfVolumes() == 0
