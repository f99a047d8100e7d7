"""Typical client code, type-checked by tests/test_generator_stubs.py (mypy --strict)
against the installed stubs, and run there against test:///default."""

from __future__ import annotations

import sys
from typing import Dict, List, Optional

import libvirt


def state_name(dom: libvirt.virDomain) -> str:
    state, reason = dom.state()
    return libvirt.virDomainState(state).name


def summary(conn: libvirt.virConnect) -> Dict[str, str]:
    result: Dict[str, str] = {}
    for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        state, max_mem, memory, vcpus, cpu_time = dom.info()
        result[dom.name()] = "%s %d KiB %d vCPUs %s" % (
            state_name(dom), memory, vcpus, dom.UUIDString())
    return result


def find(conn: libvirt.virConnect, name: str) -> Optional[libvirt.virDomain]:
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError as error:
        if error.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise


def main(uri: str = "test:///default") -> int:
    version: int = libvirt.getVersion()
    with libvirt.open(uri) as conn:
        ro = libvirt.openReadOnly(uri)
        host: List[str | int] = conn.getInfo()
        print("libvirt %d on %s, host %s" % (version, conn.getHostname(), host[0]))
        for name, text in sorted(summary(conn).items()):
            print(name, text)
        ids: List[int] = conn.listDomainsID()
        inactive: List[str] = conn.listDefinedDomains()
        dom = find(conn, "test")
        if dom is not None:
            xml: str = dom.XMLDesc(0)
            uuid: bytes = dom.UUID()
            same = conn.lookupByUUID(uuid)
            assert same.name() == dom.name() and xml.startswith("<domain")
            stats = dom.memoryStats()
            print("memory stats:", sorted(stats))
            flags = libvirt.virDomainXMLFlags.VIR_DOMAIN_XML_SECURE | \
                libvirt.virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE
            dom.XMLDesc(flags)
        print(len(ids), "running,", len(inactive), "defined")
        err = libvirt.virGetLastError()
        if err is not None:
            code, domain, message = err[0], err[1], err[2]
            print(code, domain, message)
        ro.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
