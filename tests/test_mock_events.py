"""Storage pool events through libvirt's default event loop, on
test:///default: delivered in order, with the GIL taken safely, exceptions in
callbacks reported and never crashing, user data released by libvirt."""


import pytest

import libvirt
from libvirt import _callbacks
from waiting import wait_for

def pool_xml(name, path):
    return ("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>"
            % (name, path))


def test_lifecycle_and_refresh_events_arrive_in_order(event_loop, conn, tmp_path):
    seen = []
    life = conn.storagePoolEventRegisterAny(
        None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
        lambda c, pool, event, detail, opaque: seen.append(
            (pool.name(), event, opaque, c is conn)), "life-opaque")
    refresh = conn.storagePoolEventRegisterAny(
        None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
        lambda c, pool, opaque: seen.append((pool.name(), "refresh", opaque, c is conn)),
        "refresh-opaque")
    try:
        pool = conn.storagePoolDefineXML(pool_xml("events-pool", tmp_path), 0)
        pool.create(0)
        pool.refresh(0)
        pool.destroy()
        pool.undefine()
        assert wait_for(lambda: len(seen) >= 5)
    finally:
        conn.storagePoolEventDeregisterAny(life)
        conn.storagePoolEventDeregisterAny(refresh)
    assert seen == [
        ("events-pool", libvirt.VIR_STORAGE_POOL_EVENT_DEFINED, "life-opaque", True),
        ("events-pool", libvirt.VIR_STORAGE_POOL_EVENT_STARTED, "life-opaque", True),
        ("events-pool", "refresh", "refresh-opaque", True),
        ("events-pool", libvirt.VIR_STORAGE_POOL_EVENT_STOPPED, "life-opaque", True),
        ("events-pool", libvirt.VIR_STORAGE_POOL_EVENT_UNDEFINED, "life-opaque", True),
    ]


def test_events_of_one_pool_only(event_loop, conn, pool, tmp_path):
    seen = []
    other = conn.storagePoolDefineXML(pool_xml("other-pool", tmp_path), 0)
    callback_id = conn.storagePoolEventRegisterAny(
        pool, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
        lambda c, p, opaque: seen.append(p.name()), None)
    try:
        other.create(0)
        other.refresh(0)
        pool.refresh(0)
        assert wait_for(lambda: seen)
    finally:
        conn.storagePoolEventDeregisterAny(callback_id)
        other.destroy()
        other.undefine()
    assert seen == ["default-pool"]


def test_exception_in_callback_is_reported_not_raised(event_loop, conn, tmp_path, capfd):
    delivered = []

    def failing(c, pool, event, detail, opaque):
        delivered.append(event)
        raise RuntimeError("raised inside a callback")

    callback_id = conn.storagePoolEventRegisterAny(
        None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, failing, None)
    try:
        pool = conn.storagePoolDefineXML(pool_xml("raising-pool", tmp_path), 0)
        pool.undefine()
        assert wait_for(lambda: len(delivered) >= 2)
    finally:
        conn.storagePoolEventDeregisterAny(callback_id)
    # Both events were delivered: the first exception did not stop the loop.
    assert delivered == [libvirt.VIR_STORAGE_POOL_EVENT_DEFINED,
                         libvirt.VIR_STORAGE_POOL_EVENT_UNDEFINED]
    assert "raised inside a callback" in capfd.readouterr().err


def test_reporting_survives_a_closed_stderr(monkeypatch, tmp_path):
    closed = open(tmp_path / "stderr", "w")
    closed.close()
    monkeypatch.setattr("sys.stderr", closed)
    try:
        raise RuntimeError("raised inside a callback")
    except RuntimeError:
        libvirt._core.report_exception()     # must not raise


def held_keys():
    with _callbacks._held_lock:     # the event loop's thread changes it
        return set(_callbacks._held)


def test_user_data_is_released_when_libvirt_frees_it(event_loop, conn):
    # By key, not by count: an earlier test's user data may be freed by the
    # event loop meanwhile.
    before = held_keys()
    callback_id = conn.storagePoolEventRegisterAny(
        None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH, lambda *a: None, object())
    ours = held_keys() - before
    assert len(ours) == 1
    conn.storagePoolEventDeregisterAny(callback_id)
    assert wait_for(lambda: not ours & held_keys())


def test_bad_registrations(conn):
    with pytest.raises(ValueError):
        conn.storagePoolEventRegisterAny(None, 99, lambda *a: None, None)
    with pytest.raises(TypeError):
        conn.storagePoolEventRegisterAny(None, 0, "not callable", None)
    with pytest.raises(TypeError):
        conn.storagePoolEventRegisterAny(42, 0, lambda *a: None, None)
    with pytest.raises(libvirt.libvirtError):
        conn.storagePoolEventDeregisterAny(123456)


def test_close_callback_registration(conn):
    assert conn.registerCloseCallback(lambda c, reason, opaque: None, None) == 0
    assert conn.unregisterCloseCallback() is None    # as libvirt-python's


def test_domain_and_network_events_reach_any_and_legacy_callbacks(event_loop, conn):
    seen = []
    ids = [
        conn.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
            lambda c, dom, event, detail, opaque: seen.append(
                ("any", dom.name(), event, opaque)), "any-opaque"),
        conn.networkEventRegisterAny(
            None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE,
            lambda c, net, event, detail, opaque: seen.append(
                ("network", net.name(), event, opaque)), "net-opaque"),
    ]

    def legacy(c, dom, event, detail, opaque):
        seen.append(("legacy", dom.name(), event, opaque))
    conn.domainEventRegister(legacy, "legacy-opaque")
    assert conn.domainEventCallbackID == {ids[0]: "any-opaque"}
    try:
        dom = conn.lookupByName("test")
        dom.suspend()
        net = conn.networkLookupByName("default")
        net.destroy()
        net.create()
        dom.resume()
        assert wait_for(lambda: len(seen) >= 6)
    finally:
        conn.domainEventDeregisterAny(ids[0])
        conn.networkEventDeregisterAny(ids[1])
        conn.domainEventDeregister(legacy)
    assert seen == [
        ("any", "test", libvirt.VIR_DOMAIN_EVENT_SUSPENDED, "any-opaque"),
        ("legacy", "test", libvirt.VIR_DOMAIN_EVENT_SUSPENDED, "legacy-opaque"),
        ("network", "default", libvirt.VIR_NETWORK_EVENT_STOPPED, "net-opaque"),
        ("network", "default", libvirt.VIR_NETWORK_EVENT_STARTED, "net-opaque"),
        ("any", "test", libvirt.VIR_DOMAIN_EVENT_RESUMED, "any-opaque"),
        ("legacy", "test", libvirt.VIR_DOMAIN_EVENT_RESUMED, "legacy-opaque"),
    ]
    assert conn.domainEventCallbackID == {} and conn.networkEventCallbackID == {}
    assert not hasattr(conn, "domainEventCallbacks")


def test_unknown_domain_event_id(conn):
    with pytest.raises(ValueError):
        conn.domainEventRegisterAny(None, 1000, lambda *a: None, None)
