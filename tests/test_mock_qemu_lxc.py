"""libvirt_qemu and libvirt_lxc: libvirt-python's names and constants; on
test:///default the QEMU calls are libvirt's "not supported" errors."""

import inspect

import pytest

import libvirt
import libvirt_lxc
import libvirt_qemu


def test_module_surface():
    for name in ("qemuMonitorCommand", "qemuAgentCommand", "qemuAttach",
                 "qemuMonitorEventDeregister"):
        assert callable(getattr(libvirt_qemu, name))
    assert str(inspect.signature(libvirt_qemu.qemuMonitorCommand)) == "(domain, cmd, flags)"
    assert str(inspect.signature(libvirt_qemu.qemuAgentCommand)) == "(domain, cmd, timeout, flags)"
    assert str(inspect.signature(libvirt_qemu.qemuAttach)) == "(conn, pid_value, flags)"
    assert callable(libvirt_lxc.lxcEnterCGroup)
    assert libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP == 1
    assert libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK == -2


@pytest.mark.parametrize("call", [
    lambda dom: libvirt_qemu.qemuMonitorCommand(dom, '{"execute": "query-status"}', 0),
    lambda dom: libvirt_qemu.qemuAgentCommand(dom, '{"execute": "guest-ping"}', 5, 0),
], ids=["monitor", "agent"])
def test_qemu_calls_on_the_test_driver(dom, call):
    with pytest.raises(libvirt.libvirtError) as caught:
        call(dom)
    assert caught.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT


def test_bad_input(dom):
    with pytest.raises(TypeError):
        libvirt_qemu.qemuMonitorCommand("not a domain", "x", 0)
    with pytest.raises(ValueError):
        libvirt_qemu.qemuMonitorCommand(dom, "nul\0inside", 0)
    with pytest.raises(OverflowError):
        libvirt_qemu.qemuAgentCommand(dom, "x", 2 ** 40, 0)
