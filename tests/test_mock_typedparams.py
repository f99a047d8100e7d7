"""Typed parameters as dicts, in and out, on test:///default: the values and
types libvirt-python gives, and its errors for bad dicts."""

import pytest

import libvirt
import row


def test_getters_return_dicts_of_typed_values(dom):
    blkio = row.test_driver_answer(dom.blkioParameters)
    assert blkio is None or (blkio["weight"] == 0 and blkio["device_weight"] == "")
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
    if row.test_driver_answer(lambda: dom.setBlkioParameters({"weight": 500})) is not None:
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


# --- reading arrays: every type at its limits -------------------------------------

def _libvirt_built_array():
    """An array libvirt itself builds (virTypedParamsAdd*), every type at the
    edges of its range; returns (array, count, expected dict)."""
    ffi, lib = libvirt._core.ffi, libvirt._core.library("libvirt")
    array, count, room = ffi.new("virTypedParameterPtr *"), ffi.new("int *"), ffi.new("int *")
    expected = {}
    for field, adder, value in [
            ("int.min", lib.virTypedParamsAddInt, -2 ** 31),
            ("int.max", lib.virTypedParamsAddInt, 2 ** 31 - 1),
            ("uint.max", lib.virTypedParamsAddUInt, 2 ** 32 - 1),
            ("llong.min", lib.virTypedParamsAddLLong, -2 ** 63),
            ("llong.minus1", lib.virTypedParamsAddLLong, -1),
            ("ullong.max", lib.virTypedParamsAddULLong, 2 ** 64 - 1),
            ("double", lib.virTypedParamsAddDouble, -1.25e-300),
            ("bool.true", lib.virTypedParamsAddBoolean, 1),
            ("bool.false", lib.virTypedParamsAddBoolean, 0),
            ("string", lib.virTypedParamsAddString, "ünïcode"),
            ("string.empty", lib.virTypedParamsAddString, "")]:
        raw = value.encode() if isinstance(value, str) else value
        assert adder(array, count, room, field.encode(), raw) == 0
        expected[field] = bool(value) if "bool" in field else value
    return array, count[0], expected


def test_to_dict_reads_every_type_as_libvirt_wrote_it():
    from libvirt._typedparams import to_dict
    array, count, expected = _libvirt_built_array()
    try:
        result = to_dict(array[0], count)
    finally:
        libvirt._core.library("libvirt").virTypedParamsFree(array[0], count)
    assert result == expected
    assert [type(v) for v in result.values()] == [type(v) for v in expected.values()]


def test_to_dict_ignores_stale_union_bytes_and_bytes_after_the_name():
    # A narrower member written over a wider one leaves the other bytes as
    # they were; the field may hold anything after its NUL.
    from libvirt import _typedparams as tp
    ffi = libvirt._core.ffi
    params = ffi.new("virTypedParameter[]", 5)
    for param in params:
        param.value.ul = 2 ** 64 - 1
    cases = [(tp.INT, "i", -7), (tp.UINT, "ui", 7), (tp.BOOLEAN, "b", b"\0"),
             (tp.INT, "i", 2 ** 31 - 1)]
    for i, (kind, member, value) in enumerate(cases):
        params[i].field = b"f%d\0junk-%d" % (i, i)
        params[i].type = kind
        setattr(params[i].value, member, value)
    params[4].field = b"newer.type"
    params[4].type = 99         # a type newer than this binding: left out
    assert tp.to_dict(params, 5) == {"f0": -7, "f1": 7, "f2": False, "f3": 2 ** 31 - 1}


def test_to_dict_rows_splits_per_row_and_drops_unfilled_slots():
    from libvirt import _typedparams as tp
    ffi = libvirt._core.ffi
    params = ffi.new("virTypedParameter[]", 6)      # 3 rows of 2, 1 used
    for i in range(3):
        params[2 * i].field = b"cpu_time"
        params[2 * i].type = tp.ULLONG
        params[2 * i].value.ul = 10 + i
        params[2 * i + 1].field = b"unfilled"
        params[2 * i + 1].type = tp.ULLONG
    assert tp.to_dict_rows(params, 2, 1, 3) == [{"cpu_time": 10}, {"cpu_time": 11},
                                                {"cpu_time": 12}]
    assert tp.to_dict_rows(params, 0, 0, 2) == [{}, {}]


def test_set_block_io_tune_types_as_the_libvirt_python_of_its_release(dom):
    # libvirt-python 11.2+ types setBlockIoTune's dict by the documented
    # block I/O tune fields (generator/compat.py TYPED_BY_FAMILY): an empty
    # dict and unknown fields reach libvirt. Before, by the getter's answer.
    from libvirt import _build_info
    if _build_info.BUILT_FOR_LIBVIRT >= (11, 2, 0):
        with pytest.raises(libvirt.libvirtError) as empty:
            dom.setBlockIoTune("vda", {})
        assert empty.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
        assert "nparams" in str(empty.value)        # libvirt's own check
        with pytest.raises(libvirt.libvirtError) as unknown:
            dom.setBlockIoTune("vda", {"x": 1})
        assert unknown.value.get_error_code() == libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED
    else:
        with pytest.raises(LookupError):
            dom.setBlockIoTune("vda", {})
        with pytest.raises(LookupError):
            dom.setBlockIoTune("vda", {"x": 1})
    with pytest.raises(TypeError):
        dom.setBlockIoTune("vda", [])
    # Both type a known field as libvirt documents it (ULLONG).
    assert dom.setBlockIoTune("vda", {"total_bytes_sec_max": 10,
                                      "total_bytes_sec": 5}) == 0
    assert dom.blockIoTune("vda")["total_bytes_sec"] == 5
