"""What a libvirt newer than 9.0 adds, present exactly when the API XML the
build was made from has it: the hand-written methods of a newer release
(setThrottleGroup, announceInterface), the generated ones (autostartOnce),
the typed-parameter tables they convert by."""

import inspect
import os
import re
import sys

import pytest

import libvirt
import libvirt_cffi
import libvirt_qemu
from libvirt import _functions, _objects, _param_types
import row

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = {"libvirt": libvirt, "libvirt_qemu": libvirt_qemu}


def _described(api):
    """The libvirt functions api-xml describes (hand-written, or absent)."""
    # (file 'python': a Python-only function, or one libvirt's XML lacks)
    return [f for f in api.functions.values()
            if f.binding.status in ("handwritten", "absent") and (f.file != "python" or f.absent)
            and f.binding.pymodule in MODULES]


def test_a_handwritten_method_is_there_exactly_when_the_xml_has_its_function(api):
    import libvirtmod
    from generator.compat import LIBVIRTMOD_PYTHON_ONLY
    described = _described(api)
    assert len(described) > 80      # 87 on libvirt 7.0, more later
    wrong = []
    for function in described:
        b = function.binding
        owner = getattr(MODULES[b.pymodule], b.cls) if b.cls else MODULES[b.pymodule]
        present = b.status == "handwritten"
        if hasattr(owner, b.pyname) != present \
                or (_functions.FUNCTIONS[function.name][1] is None) == present:
            wrong.append("%s (%s)" % (function.name, b.status))
        if b.pymodule == "libvirt" and function.name not in LIBVIRTMOD_PYTHON_ONLY \
                and hasattr(libvirtmod, function.name) != present:
            wrong.append("libvirtmod.%s (%s)" % (function.name, b.status))
    assert wrong == []
    if tuple(map(int, api.sources["libvirt"].split("."))) < (11, 2, 0):   # 9.0: not vacuous
        absent = {f.name for f in described if f.binding.status == "absent"}
        assert {"virDomainSetThrottleGroup", "virDomainAnnounceInterface"} <= absent


def test_a_left_out_function_cannot_be_called_and_says_why(monkeypatch):
    def says_why(call, name):
        with pytest.raises(libvirt_cffi.FunctionNotAvailable,
                           match=r"%s is newer than libvirt %d\.%d\.%d, whose API"
                           % ((name,) + tuple(libvirt_cffi.BUILT_FOR))):
            call()
    absent = [name for name, (_, since) in _functions.FUNCTIONS.items() if since is None]
    for name in absent:      # none where the XML has all api-xml describes (sid)
        assert libvirt_cffi.function_available(name) is False
        says_why(getattr(_functions, name), name)
    # What the generated table makes of a function the XML lacks, on every
    # row (a name of its own: what it records must not touch a real one's).
    monkeypatch.setattr(libvirt._core, "bound", dict(libvirt._core.bound))
    says_why(libvirt._core.function("libvirt", "virDomainFromTheFuture", None),
             "virDomainFromTheFuture")
    assert libvirt._core.bound["virDomainFromTheFuture"] is False


def test_leave_out_removes_a_method_from_the_mixin_defining_it():
    class Mixin:
        def kept(self):
            return 1

        def dropped(self):
            return 2

    class Base(Mixin):
        pass

    class Public(Base):
        pass
    _objects.leave_out(Base, "dropped")
    assert not hasattr(Public, "dropped") and "dropped" not in dir(Public)
    assert Public().kept() == 1


def _model_without(tmp_path, removed):
    """The build's description's model with some functions taken out, as an
    older libvirt's XML lacks them (the project's api-xml/ still describing
    them)."""
    if ROOT not in sys.path:
        sys.path.append(ROOT)
    from generator import build
    from generator.annotate import annotate
    from generator.parse import load_api
    files = {}
    for module, path in build.description(libvirt._core.MODE)[0].items():
        text = open(path, encoding="utf-8").read()
        for name in removed:
            text, count = re.subn(r"<function name='%s'.*?</function>\n" % name, "",
                                  text, flags=re.DOTALL)
        files[module] = str(tmp_path / os.path.basename(path))
        with open(files[module], "w", encoding="utf-8") as stream:
            stream.write(text)
    model = load_api(files=files)
    annotate(model)
    return model


def test_every_generated_module_leaves_out_what_the_xml_lacks(tmp_path):
    # libvirt 7.0's XML lacks both (8.0 and 8.2 added them).
    from generator import emit_cdef, emit_libvirtmod, emit_stubs, emitters
    model = _model_without(tmp_path, ["virDomainSetLaunchSecurityState",
                                      "virDomainQemuMonitorCommandWithFiles"])
    for name in ("virDomainSetLaunchSecurityState", "virDomainQemuMonitorCommandWithFiles"):
        assert model.functions[name].binding.status == "absent"
        assert "not in libvirt" in model.functions[name].binding.reason
    files = emitters.python_files(model, "abi")
    assert re.search(r"^_objects\.leave_out\(_objects\.Domain, .*'setLaunchSecurityState'",
                     files["_generated.py"], re.MULTILINE)
    assert re.search(r"^_core\.absent\['libvirt_qemu'\] = \(.*'qemuMonitorCommandWithFiles'",
                     files["_generated_qemu.py"], re.MULTILINE)
    assert "'virDomainSetLaunchSecurityState': ('libvirt', None)," in files["_functions.py"]
    assert "def virDomainSetLaunchSecurityState" not in files["_libvirtmod.py"]
    # not vacuous: the installed XML's model has it, unless it is 7.0's
    full = _model_without(tmp_path, [])
    assert ("def virDomainSetLaunchSecurityState" in emit_libvirtmod.emit_libvirtmod(
        full, "libvirt")) == (full.functions["virDomainSetLaunchSecurityState"].binding.status
                              != "absent")
    stubs = "\n".join(emit_stubs.emit_stubs(model).values())
    assert "def setLaunchSecurityState" not in stubs and "def setTime" in stubs
    assert "def qemuMonitorCommandWithFiles" not in stubs
    version = tuple(int(p) for p in model.sources["libvirt"].split("."))
    assert "virDomainSetLaunchSecurityState" not in emit_cdef.declared_functions(model, version)


def test_a_left_out_module_function_is_dropped_by_publish(monkeypatch):
    namespace = {"kept": len, "dropped": len}
    monkeypatch.setitem(libvirt._core.absent, "libvirt_test", ("dropped",))
    _objects.publish(namespace, "libvirt_test")
    assert list(namespace) == ["kept"]


# --- the typed parameters of the setters without a getter ---------------------

@pytest.mark.parametrize("family", ["BLOCK_IOTUNE", "ANNOUNCE_INTERFACE"])
def test_the_new_families_are_typed_from_the_xml(api, family):
    from generator import typed_params
    fields = typed_params.family_fields(api, family)
    table = getattr(_param_types, family)
    assert table == {m.string: getattr(libvirt._typedparams, m.typed_param)
                     for m in fields}
    if family == "BLOCK_IOTUNE":        # in every libvirt since 0.9.8
        assert table["total_bytes_sec"] == libvirt._typedparams.ULLONG
        assert table["group_name"] == libvirt._typedparams.STRING
    elif fields:                        # 12.5 and later
        assert set(table) == {"initial", "max", "rounds", "step"}


# --- the methods, where the build's XML has them -------------------------------

REFERENCE_SIGNATURES = {
    # libvirt-python 12.8's (its generated wrappers over its C ones)
    "setThrottleGroup": "(self, group, params, flags=0)",
    "announceInterface": "(self, device, params, flags=0)",
    "autostartOnce": "(self)",
    "setAutostartOnce": "(self, autostart)",
    "delThrottleGroup": "(self, group, flags=0)",
    "graphicsReload": "(self, type, flags=0)",
}


C_FUNCTIONS = {
    "setThrottleGroup": "virDomainSetThrottleGroup",
    "announceInterface": "virDomainAnnounceInterface",
    "autostartOnce": "virDomainGetAutostartOnce",
    "setAutostartOnce": "virDomainSetAutostartOnce",
    "delThrottleGroup": "virDomainDelThrottleGroup",
    "graphicsReload": "virDomainGraphicsReload",
}


def _method(name):
    """virDomain.<name>, or None: present exactly where the build's XML has
    its C function."""
    method = getattr(libvirt.virDomain, name, None)
    assert (method is not None) == row.built_with(C_FUNCTIONS[name]), name
    return method


@pytest.mark.parametrize("name", sorted(REFERENCE_SIGNATURES))
def test_newer_methods_have_the_reference_signature(name):
    method = _method(name)
    if method is not None:
        assert str(inspect.signature(method)) == REFERENCE_SIGNATURES[name]


def _reaches_libvirt(call, c_name):
    """The call went to libvirt: it answered, or said it cannot (the test
    driver lacks most), or the loaded libvirt predates the build's XML."""
    if not libvirt_cffi.function_available(c_name):
        with pytest.raises(libvirt_cffi.FunctionNotAvailable, match=c_name):
            call()
        return None
    try:
        return call()
    except libvirt.libvirtError as error:
        assert error.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT, error
        return None


def test_set_throttle_group(dom):
    if _method("setThrottleGroup") is None:
        return
    with pytest.raises(TypeError, match="must be a dictionary"):
        dom.setThrottleGroup("g", [("total_bytes_sec", 1)])
    with pytest.raises(TypeError):
        dom.setThrottleGroup(None, {"total_bytes_sec": 1})
    ret = _reaches_libvirt(lambda: dom.setThrottleGroup(
        "limit", {"total_bytes_sec": 10 ** 6, "group_name": "limit"}),
        "virDomainSetThrottleGroup")
    assert ret in (None, 0)


def test_announce_interface(dom):
    if _method("announceInterface") is None:
        return
    with pytest.raises(TypeError, match="must be a dictionary"):
        dom.announceInterface(None, None)
    ret = _reaches_libvirt(lambda: dom.announceInterface(None, {"rounds": 2}),
                           "virDomainAnnounceInterface")
    assert ret in (None, 0)


def test_autostart_once(dom):
    if _method("autostartOnce") is None:
        return
    ret = _reaches_libvirt(dom.autostartOnce, "virDomainGetAutostartOnce")
    assert ret is None or type(ret) is int


# --- events added after 9.0 ------------------------------------------------------

# What libvirt-python 12.8's dispatchers pass its callbacks between the object
# and the opaque, by the C arguments libvirt calls with (after the object).
NEW_EVENTS = {
    ("virDomainEventID", "VIR_DOMAIN_EVENT_ID_NIC_MAC_CHANGE"):
        ([b"net0", b"52:54:00:00:00:01", b"52:54:00:00:00:02"],
         ("net0", "52:54:00:00:00:01", "52:54:00:00:00:02")),
    ("virDomainEventID", "VIR_DOMAIN_EVENT_ID_VCPU_REMOVED"): ([3], (3,)),
    # libvirt passes the channel's name first; libvirt-python's callback
    # does not get it (compat.EVENT_ARGS_LEFT_OUT)
    ("virDomainEventID", "VIR_DOMAIN_EVENT_ID_CHANNEL_LIFECYCLE"):
        ([b"org.qemu.guest_agent.0", 1, 2], (1, 2)),
    ("virNetworkEventID", "VIR_NETWORK_EVENT_ID_METADATA_CHANGE"):
        ([2, b"http://example.org/ns"], (2, "http://example.org/ns")),
}


def _c_value(ctype, value):
    ffi = libvirt._core.ffi
    return ffi.new("char[]", value) if isinstance(value, bytes) else value


@pytest.mark.parametrize("enum, name", sorted(NEW_EVENTS))
def test_a_new_event_reaches_the_callback_with_the_references_arguments(
        conn, enum, name, request):
    from libvirt import _callbacks, _events
    event_id = getattr(libvirt, name, None)
    callback_type = libvirt._core.event_callback_types.get(enum, {}).get(event_id)
    # both, or neither where the build's XML predates the event
    assert (callback_type is None) == (event_id is None)
    if callback_type is None:
        return
    obj = request.getfixturevalue("dom" if enum == "virDomainEventID" else "net")
    family = "virDomain" if enum == "virDomainEventID" else "virNetwork"
    c_values, expected = NEW_EVENTS[enum, name]
    ffi = libvirt._core.ffi
    types = ffi.typeof(callback_type).args[2:-1]
    assert len(types) == len(c_values)          # the XML's arguments, all given
    seen = []
    handle = _callbacks.hold(_events.Registration(
        conn, lambda *args: seen.append(args), "opaque"))
    try:
        # libvirt's call of the C function the binding registers for it
        function = _events.c_callback(callback_type, _events.FAMILIES[family].generic_type)
        function = ffi.cast(callback_type, function)
        keep = [_c_value(t, v) for t, v in zip(types, c_values)]
        function(conn._o, obj._o, *keep, handle)
    finally:
        _callbacks.drop(handle)
    assert len(seen) == 1
    got_conn, got_obj, *values, opaque = seen[0]
    assert got_conn is conn and type(got_obj) is type(obj)
    assert got_obj.UUIDString() == obj.UUIDString()
    assert (tuple(values), opaque) == (expected, "opaque")


def test_network_metadata_change_is_delivered(event_loop, conn, net):
    from waiting import wait_for
    # libvirt 9.8's event, of 9.7's virNetworkSetMetadata: where the XML has them
    if not hasattr(libvirt, "VIR_NETWORK_EVENT_ID_METADATA_CHANGE"):
        assert "VIR_NETWORK_EVENT_ID_METADATA_CHANGE" not in dir(libvirt)
        return
    assert row.built_with("virNetworkSetMetadata")
    if row.loaded_libvirt() < (9, 8, 0):
        # A build from a newer XML on an older libvirt: libvirt itself
        # refuses the event it does not know, and says so.
        with pytest.raises(libvirt.libvirtError) as refused:
            conn.networkEventRegisterAny(
                net, libvirt.VIR_NETWORK_EVENT_ID_METADATA_CHANGE, lambda *a: None, None)
        assert refused.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
        return
    seen = []
    callback_id = conn.networkEventRegisterAny(
        net, libvirt.VIR_NETWORK_EVENT_ID_METADATA_CHANGE,
        lambda c, n, mtype, nsuri, opaque: seen.append((n.name(), mtype, nsuri, opaque)),
        "meta")
    try:
        net.setMetadata(libvirt.VIR_NETWORK_METADATA_DESCRIPTION, "changed", None, None)
        assert wait_for(lambda: seen)
    finally:
        conn.networkEventDeregisterAny(callback_id)
    assert seen[0] == (net.name(), libvirt.VIR_NETWORK_METADATA_DESCRIPTION, None, "meta")
