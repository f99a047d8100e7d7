"""Snapshots: objects made from a domain, not directly from the connection."""

import gc

import libvirt


def _snapshot(dom, name):
    return dom.snapshotCreateXML(
        "<domainsnapshot><name>%s</name></domainsnapshot>" % name, 0)


def test_snapshot_tree_and_parents(conn, dom):
    first = _snapshot(dom, "snap-a")
    second = _snapshot(dom, "snap-b")
    assert isinstance(first, libvirt.virDomainSnapshot)
    assert first.getName() == "snap-a"
    assert first.domain() is dom and first.getDomain() is dom
    assert first.connect() is conn and first.getConnect() is conn
    assert sorted(dom.snapshotListNames()) == ["snap-a", "snap-b"]
    assert dom.snapshotNum() == 2
    assert [s.getName() for s in first.listAllChildren()] == ["snap-b"]
    assert first.listChildrenNames() == ["snap-b"]
    parent = second.getParent()
    assert parent.getName() == "snap-a" and parent.domain() is dom
    assert dom.snapshotCurrent().getName() == "snap-b"
    assert dom.snapshotLookupByName("snap-a").getXMLDesc().startswith("<domainsnapshot")


def test_revert_to_snapshot_is_a_domain_method(dom):
    snap = _snapshot(dom, "snap-revert")
    assert dom.revertToSnapshot(snap) == 0
    assert dom.snapshotCurrent().getName() == "snap-revert"


def test_snapshot_outlives_its_domain_object(conn):
    dom = conn.lookupByName("test")
    snap = _snapshot(dom, "snap-kept")
    del dom
    gc.collect()
    assert snap.getName() == "snap-kept"
    assert snap.domain().name() == "test"
    snap.delete(0)
