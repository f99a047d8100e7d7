"""The shared runtime helpers (libvirt/_core.py, _typedparams.py, _cpumap.py):
one failure behaviour each. Failure paths run on ffi-allocated memory with
the module's free wrapped to record what is freed (the memory stays
Python's); the paths libvirt reaches run on test:///default."""

import pytest

import libvirt
from libvirt import _core, _cpumap, _typedparams

ffi = _core.ffi


@pytest.fixture
def freed(monkeypatch):
    """The addresses _core frees, recorded instead of freed (the memory the
    tests hand in belongs to ffi)."""
    record = []
    monkeypatch.setattr(_core, "_free", lambda p: record.append(int(ffi.cast("uintptr_t", p))))
    return record


def _address(pointer):
    return int(ffi.cast("uintptr_t", pointer))


def _strings(*values):
    keep = [ffi.new("char[]", v) for v in values]
    array = ffi.new("char *[]", keep)
    return array, keep


def test_take_strings_frees_every_string_when_one_fails_to_decode(freed):
    array, keep = _strings(b"a", b"\xff\xfe", b"c")
    with pytest.raises(UnicodeDecodeError):
        _core.take_strings(array, 3)
    assert freed == [_address(k) for k in keep]


def test_take_strings_converts_and_frees(freed):
    array, keep = _strings(b"a", "\u00e9".encode(), b"c")
    assert _core.take_strings(array, 3) == ["a", "\u00e9", "c"]
    assert freed == [_address(k) for k in keep]


def test_take_string_array_frees_strings_and_array_on_decode_error(freed):
    array, keep = _strings(b"a", b"\xff", b"c")
    with pytest.raises(UnicodeDecodeError):
        _core.take_string_array(array, 3)
    assert freed == [_address(k) for k in keep] + [_address(array)]


def _structs(count):
    items = [ffi.new("virSecurityLabel *") for _ in range(count)]
    return ffi.new("virSecurityLabel *[]", items), items


def test_take_struct_array_frees_all_when_a_conversion_fails(freed):
    array, items = _structs(3)
    released = []

    def convert(item):
        if len(released) == 0 and item == items[1]:
            raise ValueError("conversion failed")
        return 1
    with pytest.raises(ValueError):
        _core.take_struct_array(array, 3, convert,
                                lambda p: released.append(_address(p)), "x() failed")
    assert released == [_address(i) for i in items]
    assert freed == [_address(array)]


def test_take_struct_array_null_entry_is_a_libvirt_error_after_freeing(freed):
    items = [ffi.new("virSecurityLabel *"), ffi.NULL, ffi.new("virSecurityLabel *")]
    array = ffi.new("virSecurityLabel *[]", items)
    released = []
    with pytest.raises(libvirt.libvirtError):
        _core.take_struct_array(array, 3, lambda item: 1,
                                lambda p: released.append(_address(p)), "x() failed")
    assert released == [_address(items[0]), _address(items[2])]
    assert freed == [_address(array)]


def test_take_struct_array_null_array_is_empty(freed):
    assert _core.take_struct_array(ffi.NULL, 0, None, None, "x() failed") == []
    assert freed == []


def test_get_sized_clears_strings_when_filling_fails(monkeypatch):
    cleared = []
    monkeypatch.setattr(_typedparams, "_virTypedParamsClear",
                        lambda params, n: cleared.append((_address(params), n)))
    arrays = []

    def getter(params, count):
        if params == ffi.NULL:
            count[0] = 2
            return 0
        arrays.append(params)
        return -1
    with pytest.raises(libvirt.libvirtError):
        _typedparams.get_sized("virTestGet", getter, (), ())
    assert cleared == [(_address(arrays[0]), 2)]


def test_get_sized_clears_strings_when_conversion_fails(monkeypatch):
    cleared = []
    monkeypatch.setattr(_typedparams, "_virTypedParamsClear",
                        lambda params, n: cleared.append(n))

    def getter(params, count):
        return 0

    def convert(params, count):
        raise ValueError("conversion failed")
    with pytest.raises(ValueError):
        _typedparams.get_sized("virTestGet", getter, (), (), 3, convert)
    assert cleared == [3]


def test_cpumap_round_trip():
    buffer, length = _cpumap.encode((True, False, True) + (False,) * 6 + (True,), 10)
    assert length == 2
    assert _cpumap.read(buffer, length, 10) == [True, False, True] + [False] * 6 + [True]
    assert _cpumap.flags(b"\x01", 0, 10) == [True] + [False] * 9   # past the map
    assert _cpumap.read(ffi.NULL, 2, 3) == [False] * 3
    with pytest.raises(TypeError):
        _cpumap.encode(1, 8)


def test_helpers_through_the_api(conn, dom):
    cpus, online, count = conn.getCPUMap()
    assert len(online) == cpus and sum(online) == count
    pins = dom.vcpuPinInfo()
    assert all(isinstance(pin, tuple) and len(pin) == cpus for pin in pins)
    assert isinstance(dom.schedulerParameters(), dict)
    assert isinstance(dom.interfaceAddresses(0), dict)


def test_hand_written_modules_reach_no_private_name_of_another():
    # Each module's interface is its public names (_events.FAMILIES,
    # _typedparams.PARAMS, _objects.MadeFromObject, _core.free, ...).
    import ast
    import os
    import re
    package = os.path.dirname(_core.__file__)
    modules = {name[:-3] for name in os.listdir(package) if name.endswith(".py")}
    generated = {"_enums", "_functions", "_param_types", "_build_info"}
    found = []
    for module in sorted(modules - generated):
        if module.startswith(("_generated", "_libvirtmod")) and module != "_libvirtmod_runtime":
            continue
        with open(os.path.join(package, module + ".py"), encoding="utf-8") as stream:
            tree = ast.parse(stream.read())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules and node.value.id != module
                    and re.match(r"_[A-Za-z]", node.attr)):
                found.append("%s: %s.%s" % (module, node.value.id, node.attr))
            elif isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                found += ["%s: from %s import %s" % (module, node.module, alias.name)
                          for alias in node.names
                          if re.match(r"_[A-Za-z]", alias.name)]
    assert found == []
