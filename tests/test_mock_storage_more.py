"""The rest of the storage API on test:///default: what the mock driver
implements works; what it lacks raises libvirtError VIR_ERR_NO_SUPPORT (the
real storage driver's behaviour is tested against libvirtd)."""

import pytest

import libvirt

VOLUME = "<volume><name>%s</name><capacity>1048576</capacity></volume>"


def test_transient_pool_from_xml(conn, tmp_path):
    xml = ("<pool type='dir'><name>transient-pool</name><target><path>%s</path>"
           "</target></pool>" % tmp_path)
    pool = conn.storagePoolCreateXML(xml, 0)
    try:
        assert pool.isActive() == 1 and pool.isPersistent() == 0
        assert "transient-pool" in conn.listStoragePools()
        assert "transient-pool" not in conn.listDefinedStoragePools()
    finally:
        pool.destroy()
    with pytest.raises(libvirt.libvirtError) as caught:
        conn.storagePoolLookupByName("transient-pool")
    assert caught.value.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL


def test_find_storage_pool_sources(conn):
    sources = conn.findStoragePoolSources("logical", None, 0)
    assert sources.startswith("<sources>") and "<name>testvg1</name>" in sources


def test_volume_key_path_and_lookups(conn, pool):
    vol = pool.createXML(VOLUME % "keyed.img", 0)
    try:
        assert vol.key() == vol.path() == "/default-pool/keyed.img"
        assert conn.storageVolLookupByKey(vol.key()).name() == "keyed.img"
        assert conn.storageVolLookupByPath(vol.path()).name() == "keyed.img"
        assert pool.storageVolLookupByName("keyed.img").key() == vol.key()
        assert vol.info() == [libvirt.VIR_STORAGE_VOL_FILE, 1048576, 1048576]
    finally:
        vol.delete(0)


@pytest.mark.parametrize("call", [
    lambda vol: vol.wipe(0),
    lambda vol: vol.wipePattern(libvirt.VIR_STORAGE_VOL_WIPE_ALG_ZERO, 0),
    lambda vol: vol.resize(2 * 1048576, 0),
    lambda vol: vol.infoFlags(0),
], ids=["wipe", "wipePattern", "resize", "infoFlags"])
def test_volume_calls_the_mock_lacks(pool, call):
    vol = pool.createXML(VOLUME % "unsupported.img", 0)
    try:
        with pytest.raises(libvirt.libvirtError) as caught:
            call(vol)
        assert caught.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT
    finally:
        vol.delete(0)


def test_pool_capabilities_the_mock_lacks(conn):
    with pytest.raises(libvirt.libvirtError) as caught:
        conn.getStoragePoolCapabilities(0)
    assert caught.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT


def test_function_newer_than_the_loaded_libvirt():
    newer = libvirt._core.function("libvirt", "virStoragePoolFuture", (99, 0, 0))
    with pytest.raises(NotImplementedError) as caught:
        newer()
    assert isinstance(caught.value, libvirt.libvirtError)
    assert "99.0.0" in str(caught.value) and "virStoragePoolFuture" in str(caught.value)
