"""Typed parameters as dicts, in and out, on test:///default: the values and
types libvirt-python gives, and its errors for bad dicts."""

import pytest

import libvirt


def test_getters_return_dicts_of_typed_values(dom):
    blkio = dom.blkioParameters()
    assert blkio["weight"] == 0 and blkio["device_weight"] == ""
    memory = dom.memoryParameters()
    assert memory["hard_limit"] == 9007199254740991      # unlimited
    assert set(memory) == {"hard_limit", "soft_limit", "swap_hard_limit"}
    assert dom.numaParameters() == {"numa_mode": 0, "numa_nodeset": ""}
    tune = dom.blockIoTune("vda")
    assert tune["total_bytes_sec"] == 0 and tune["group_name"] == ""
    assert all(type(v) is int for k, v in tune.items() if k != "group_name")
    perf = dom.perfEvents()
    assert perf["cmt"] is False and all(type(v) is bool for v in perf.values())


def test_setters_convert_by_the_getters_types(dom):
    assert dom.setMemoryParameters({"hard_limit": 1048576}) == 0
    assert dom.memoryParameters()["hard_limit"] == 1048576
    assert dom.setBlkioParameters({"weight": 500}) == 0
    assert dom.blkioParameters()["weight"] == 500
    assert dom.setPerfEvents({"cmt": True}) == 0
    assert dom.perfEvents()["cmt"] is True
    assert dom.setPerfEvents({"cmt": False}) == 0
    assert dom.perfEvents()["cmt"] is False


@pytest.mark.parametrize("params, error", [
    ({}, LookupError),
    ({"no_such_parameter": 1}, LookupError),
    ({"hard_limit": -1}, OverflowError),
    ({"hard_limit": 2 ** 70}, OverflowError),
    ({"hard_limit": "1024"}, TypeError),
    ({b"hard_limit": 1}, LookupError),
    (5, TypeError),
    (None, TypeError),
])
def test_bad_dicts_raise_python_errors(dom, params, error):
    # libvirt-python 9.0 fails some of these with SystemError or TypeError.
    before = dom.memoryParameters()
    with pytest.raises(error):
        dom.setMemoryParameters(params)
    assert dom.memoryParameters() == before


def test_unsupported_getter_is_libvirts_error(conn):
    with pytest.raises(libvirt.libvirtError) as caught:
        conn.getMemoryParameters()
    assert caught.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT
