"""libvirt_qemu, libvirt_lxc and libvirt_admin calls (type-checked only:
they need a QEMU domain or a daemon's admin socket)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import libvirt
import libvirt_admin
import libvirt_lxc
import libvirt_qemu


def monitor(dom: libvirt.virDomain) -> str:
    reply: Optional[str] = libvirt_qemu.qemuMonitorCommand(
        dom, '{"execute": "query-status"}', libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT)
    agent: Optional[str] = libvirt_qemu.qemuAgentCommand(dom, '{"execute": "guest-ping"}', 5, 0)
    return (reply or "") + (agent or "")


def monitor_events(conn: libvirt.virConnect) -> int:
    def on_event(conn: libvirt.virConnect, dom: libvirt.virDomain, event: str,
                 seconds: int, micros: int, details: Optional[str], opaque: List[str]) -> None:
        opaque.append(event)
    seen: List[str] = []
    callback: int = libvirt_qemu.qemuMonitorEventRegister(conn, None, None, on_event, seen, 0)
    libvirt_qemu.qemuMonitorEventDeregister(conn, callback)
    return len(seen)


def namespaces(dom: libvirt.virDomain) -> List[int]:
    return libvirt_lxc.lxcOpenNamespace(dom, 0)


def admin(uri: str = "libvirtd:///system") -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    with libvirt_admin.open(uri) as conn:
        for server in conn.listServers():
            params: Dict[str, Any] = server.threadPoolParameters()
            clients: List[libvirt_admin.virAdmClient] = server.listClients()
            result[server.name()] = (params, [c.ID() for c in clients])
        server = conn.lookupServer("libvirtd")
        server.setThreadPoolParameters({libvirt_admin.VIR_THREADPOOL_WORKERS_MAX: 10})
        transport = libvirt_admin.virClientTransport(libvirt_admin.VIR_CLIENT_TRANS_UNIX)
        result["transport"] = transport.name
    return result
