"""virDomain against test:///default (default domain "test" is running)."""
import uuid as uuidmod
import xml.etree.ElementTree as ET

import pytest

import libvirt

TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def dom_xml(name, uuid=None, memory_kib=65536):
    uuid = uuid or str(uuidmod.uuid4())
    return ("<domain type='test'>"
            "<name>%s</name><uuid>%s</uuid>"
            "<memory unit='KiB'>%d</memory><vcpu>1</vcpu>"
            "<os><type arch='i686'>hvm</type></os>"
            "</domain>" % (name, uuid, memory_kib))


def cleanup_domain(d):
    # Best effort: the domain may already be gone.
    for op in (d.destroy, d.undefine):
        try:
            op()
        except libvirt.libvirtError:
            pass


def unique(prefix):
    # test:///default is shared while any reference is alive: avoid clashes.
    return "%s-%s" % (prefix, uuidmod.uuid4().hex[:8])


def test_lookup_by_name(conn):
    d = conn.lookupByName("test")
    assert isinstance(d, libvirt.virDomain)
    assert d.name() == "test"


def test_lookup_by_name_keyword(conn):
    assert conn.lookupByName(name="test").name() == "test"


def test_lookup_by_id(conn, dom):
    d = conn.lookupByID(dom.ID())
    assert d.name() == "test"


def test_lookup_by_uuid(conn, dom):
    d = conn.lookupByUUID(dom.UUID())
    assert d.name() == "test"


def test_lookup_by_uuid_string(conn):
    d = conn.lookupByUUIDString(TEST_UUID)
    assert d.name() == "test"
    assert conn.lookupByUUIDString(uuidstr=TEST_UUID).name() == "test"


def test_name_id(dom):
    assert dom.name() == "test"
    i = dom.ID()
    assert type(i) is int
    assert i == 1


def test_uuid_bytes(dom):
    u = dom.UUID()
    assert type(u) is bytes
    assert len(u) == 16
    assert uuidmod.UUID(bytes=u) == uuidmod.UUID(TEST_UUID)


def test_uuid_string(dom):
    s = dom.UUIDString()
    assert type(s) is str
    assert s == TEST_UUID


def test_os_type(dom):
    assert dom.OSType() == "linux"


def test_info_shape_and_values(dom):
    info = dom.info()
    assert type(info) is list
    assert len(info) == 5
    assert all(type(x) is int for x in info), info
    state, max_mem, mem, nvcpu, cpu_time = info
    assert state == libvirt.VIR_DOMAIN_RUNNING
    assert max_mem == 8388608
    assert mem == 2097152
    assert nvcpu == 2
    # The test driver derives cpuTime from the clock: just non-negative and
    # wider than 32 bits handled without truncation.
    assert cpu_time >= 0


def test_state(dom):
    st = dom.state()
    assert type(st) is list
    assert len(st) == 2
    assert all(type(x) is int for x in st)
    assert st == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNKNOWN]
    assert dom.state(flags=0) == st


def test_max_memory(dom):
    m = dom.maxMemory()
    assert type(m) is int
    assert m == 8388608


def test_active_persistent(dom):
    assert dom.isActive() == 1
    assert dom.isPersistent() == 1
    assert type(dom.isActive()) is int


def test_xml_desc(dom):
    x = dom.XMLDesc()
    assert type(x) is str
    root = ET.fromstring(x)
    assert root.tag == "domain"
    assert root.get("type") == "test"
    assert root.get("id") == "1"
    assert root.findtext("name") == "test"
    assert root.findtext("uuid") == TEST_UUID
    assert root.findtext("memory") == "8388608"


def test_xml_desc_inactive_flag(dom):
    x = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    root = ET.fromstring(x)
    # Inactive XML has no runtime id.
    assert root.get("id") is None
    assert root.findtext("name") == "test"


def test_connect_returns_parent(conn, dom):
    assert dom.connect() is conn


def test_define_create_suspend_resume_destroy_undefine(conn):
    name = unique("newdom")
    u = str(uuidmod.uuid4())
    d = conn.defineXML(dom_xml(name, u))
    assert isinstance(d, libvirt.virDomain)
    assert d.name() == name
    assert d.UUIDString() == u
    assert d.ID() == -1  # not running
    assert d.isActive() == 0
    assert d.isPersistent() == 1
    assert d.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF
    info = d.info()
    assert info[0] == libvirt.VIR_DOMAIN_SHUTOFF
    assert info[1] == 65536 and info[3] == 1
    assert name in conn.listDefinedDomains()

    assert d.create() == 0
    assert d.isActive() == 1
    assert d.ID() > 0
    assert d.state() == [libvirt.VIR_DOMAIN_RUNNING,
                         libvirt.VIR_DOMAIN_RUNNING_BOOTED]
    assert d.ID() in conn.listDomainsID()
    assert conn.lookupByID(d.ID()).name() == name
    assert name not in conn.listDefinedDomains()

    assert d.suspend() == 0
    assert d.state() == [libvirt.VIR_DOMAIN_PAUSED,
                         libvirt.VIR_DOMAIN_PAUSED_USER]
    assert d.info()[0] == libvirt.VIR_DOMAIN_PAUSED

    assert d.resume() == 0
    assert d.state() == [libvirt.VIR_DOMAIN_RUNNING,
                         libvirt.VIR_DOMAIN_RUNNING_UNPAUSED]

    assert d.destroy() == 0
    assert d.isActive() == 0
    assert d.ID() == -1
    assert d.state() == [libvirt.VIR_DOMAIN_SHUTOFF,
                         libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED]
    assert name in conn.listDefinedDomains()

    assert d.undefine() == 0
    assert name not in conn.listDefinedDomains()
    with pytest.raises(libvirt.libvirtError) as ei:
        conn.lookupByName(name)
    assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    # The handle still knows its name, but the driver no longer has it.
    assert d.name() == name
    with pytest.raises(libvirt.libvirtError) as ei:
        d.state()
    assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN


def test_create_xml_transient(conn):
    name = unique("transient")
    d = conn.createXML(dom_xml(name), 0)
    assert d.isActive() == 1
    assert d.isPersistent() == 0
    assert d.ID() in conn.listDomainsID()
    assert d.destroy() == 0
    # A destroyed transient domain disappears.
    with pytest.raises(libvirt.libvirtError) as ei:
        conn.lookupByName(name)
    assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN


def test_create_with_flags_and_undefine_flags(conn):
    name = unique("flags")
    d = conn.defineXML(dom_xml(name))
    try:
        # The test driver supports no start flags: libvirt rejects them.
        with pytest.raises(libvirt.libvirtError) as ei:
            d.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
        assert ei.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
        assert d.isActive() == 0
        assert d.createWithFlags(0) == 0
        assert d.state()[0] == libvirt.VIR_DOMAIN_RUNNING
        d.destroy()
        assert d.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) == 0
        assert name not in conn.listDefinedDomains()
    finally:
        cleanup_domain(d)


def test_list_domains_id(conn):
    ids = conn.listDomainsID()
    assert type(ids) is list
    assert all(type(i) is int for i in ids)
    assert 1 in ids


def test_num_of_domains(conn):
    n = conn.numOfDomains()
    assert type(n) is int
    assert n == len(conn.listDomainsID())
    d = conn.createXML(dom_xml(unique("cnt")), 0)
    try:
        assert conn.numOfDomains() == n + 1
    finally:
        d.destroy()
    assert conn.numOfDomains() == n


def test_list_defined_domains(conn):
    before = conn.listDefinedDomains()
    assert type(before) is list
    assert "test" not in before  # running domains are not "defined" ones
    assert conn.numOfDefinedDomains() == len(before)
    name = unique("def")
    d = conn.defineXML(dom_xml(name))
    try:
        after = conn.listDefinedDomains()
        assert all(type(x) is str for x in after)
        assert sorted(after) == sorted(before + [name])
        assert conn.numOfDefinedDomains() == len(before) + 1
    finally:
        d.undefine()


def test_list_all_domains_flags(conn):
    # A running persistent "test", a shut-off persistent one, a paused one.
    off = unique("off")
    paused = unique("paused")
    d_off = conn.defineXML(dom_xml(off))
    d_paused = conn.defineXML(dom_xml(paused))
    d_paused.create()
    d_paused.suspend()
    try:
        def names(flags=0):
            doms = conn.listAllDomains(flags)
            assert type(doms) is list
            assert all(isinstance(x, libvirt.virDomain) for x in doms)
            return {x.name() for x in doms}

        mine = {"test", off, paused}
        assert mine <= names()
        assert mine <= names(flags=0)
        act = names(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
        assert {"test", paused} <= act and off not in act
        inact = names(libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE)
        assert off in inact and not ({"test", paused} & inact)
        assert mine <= names(libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT)
        assert not (mine & names(libvirt.VIR_CONNECT_LIST_DOMAINS_TRANSIENT))
        run = names(libvirt.VIR_CONNECT_LIST_DOMAINS_RUNNING)
        assert "test" in run and not ({off, paused} & run)
        assert paused in names(libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED)
        assert "test" not in names(libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED)
        assert off in names(libvirt.VIR_CONNECT_LIST_DOMAINS_SHUTOFF)
        both = names(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE |
                     libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE)
        assert mine <= both
    finally:
        d_paused.destroy()
        d_paused.undefine()
        d_off.undefine()


def test_list_all_domains_keyword(conn):
    doms = conn.listAllDomains(flags=libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    assert "test" in [d.name() for d in doms]
