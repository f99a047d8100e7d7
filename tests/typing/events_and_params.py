"""Event callbacks, the default event loop and typed-parameter dicts."""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Tuple, TypeVar

import libvirt

T = TypeVar("T")


def if_supported(call: Callable[[], T], otherwise: T) -> T:
    """call()'s result, or `otherwise` where the driver lacks the call
    (libvirt 7.0's test driver has no blkio parameters or statistics)."""
    try:
        return call()
    except libvirt.libvirtError as error:
        if error.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        return otherwise


def lifecycle(conn: libvirt.virConnect, dom: libvirt.virDomain, event: int,
              detail: int, seen: List[str]) -> None:
    seen.append("%s %s" % (dom.name(), libvirt.virDomainEventType(event).name))


def any_event(conn: libvirt.virConnect, dom: libvirt.virDomain, *args: object) -> None:
    print("event", dom.name(), args)


def tunable(conn: libvirt.virConnect, dom: libvirt.virDomain, params: Dict[str, Any],
            opaque: None) -> None:
    print("tunable", dom.name(), sorted(params))


def closed(conn: libvirt.virConnect, reason: int, opaque: None) -> None:
    print("closed", reason)


def main(uri: str = "test:///default") -> int:
    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open(uri)
    seen: List[str] = []
    conn.domainEventRegister(lifecycle, seen)
    callback_id: int = conn.domainEventRegisterAny(
        None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, any_event, None)
    tunable_id = conn.domainEventRegisterAny(
        None, libvirt.VIR_DOMAIN_EVENT_ID_TUNABLE, tunable, None)
    conn.registerCloseCallback(closed, None)
    timer: int = libvirt.virEventAddTimeout(10, lambda timer, opaque: None, None)
    dom = conn.lookupByName("test")
    dom.suspend()
    dom.resume()
    for _ in range(3):
        libvirt.virEventRunDefaultImpl()
    libvirt.virEventRemoveTimeout(timer)
    print(seen)

    params: Dict[str, Any] = if_supported(lambda: dom.blkioParameters(0), {})
    sched_type, nparams = dom.schedulerType()
    sched: Dict[str, Any] = dom.schedulerParameters()
    print(sched_type, nparams, sorted(sched), sorted(params))
    dom.setSchedulerParameters({"weight": 100})
    memory: Dict[str, Any] = dom.memoryParameters(0)
    dom.setMemoryParameters({k: v for k, v in memory.items() if k == "hard_limit"}, 0)
    stats: List[Tuple[libvirt.virDomain, Dict[str, Any]]] = if_supported(
        lambda: conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE), [])
    for stats_dom, values in stats:
        print(stats_dom.name(), values.get("state.state"))

    conn.domainEventDeregisterAny(callback_id)
    conn.domainEventDeregisterAny(tunable_id)
    conn.domainEventDeregister(lifecycle)
    conn.unregisterCloseCallback()
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
