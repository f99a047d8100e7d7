"""What the generated libvirtmod modules (libvirt/_libvirtmod*.py) stand on:
borrowed objects around raw handles, handing results back as raw handles
with exactly one owner, the failure convention, and the few functions whose
libvirtmod form is not a thin call of a method (callback registrations that
take libvirt-python's callback record, the event loop plumbing).

A raw handle is what an object keeps in `_o`: a cffi pointer, usually with
the destructor ffi.gc attached that releases it. A borrowed object holds the
handle without owning it (no destructor of its own), so a method can run on
it; an object a method returns gives up its handle's destructor before the
handle is returned, so whoever wraps it (virDomain(conn, _obj=handle))
becomes its only owner.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import types

from . import _callbacks, _core, _eventloop, _events, _functions, _objects

_ffi = _core.ffi
_gc = _ffi.gc
_NULL = _ffi.NULL
_CData = _ffi.CData
_typeof = _ffi.typeof
_new_object = object.__new__
_Handle = _objects.Handle

libvirtError = _core.libvirtError
_FunctionNotAvailable = _core.FunctionNotAvailable


# --- borrowed objects ---------------------------------------------------------

class _Nobody:
    """The parent of a borrowed snapshot, checkpoint or network port, and of
    what its methods make: libvirtmod hands back handles, never objects, so
    no parent is ever asked for."""

    __slots__ = ()
    _conn = None


_NOBODY = _Nobody()
_borrowers = {}         # class name -> borrow function
_by_ctype = {}          # cffi type of the handle -> borrow function


def borrower(cls_name: str):
    """The function making a borrowed `cls_name` object around a raw handle
    (None: NULL, which libvirt then reports as an invalid object)."""
    borrow = _borrowers.get(cls_name)
    if borrow is not None:
        return borrow
    cls = _core.classes[cls_name]
    ctype = _typeof(cls_name + " *")
    made_from_object = issubclass(cls, _objects.MadeFromObject)
    made_from_connection = issubclass(cls, _objects.ConnectionChild)

    def borrow(handle):
        if handle is None:
            handle = _NULL
        elif type(handle).__name__ == "PyCapsule":     # libvirt-python's form
            handle = _ffi.cast(ctype, _objects.capsule_pointer(handle))
        elif not isinstance(handle, _CData) or (_typeof(handle) is not ctype and handle):
            raise TypeError("expected a %s handle (an object's _o), not %r"
                            % (cls_name, handle))
        obj = _new_object(cls)
        obj._o = handle
        if made_from_object:
            obj._parent = _NOBODY
            obj._conn = None
        elif made_from_connection:
            obj._conn = None
        return obj
    borrow.__name__ = "borrow_" + cls_name
    _borrowers[cls_name] = borrow
    _by_ctype[ctype] = borrow
    return borrow


# Every class's, for arg() to recognise any handle.
for _name in list(_core.classes):
    borrower(_name)


def method(cls_name: str, name: str):
    """The method `name` of a class, taken once: libvirtmod calls it on a
    borrowed object, untouched by later changes to the class (a test's
    mock.patch.object, say), as libvirt-python's C functions are."""
    return getattr(_core.classes[cls_name], name)


# The modules defining each Python module's functions (the package and
# libvirt_qemu/libvirt_lxc only re-export them).
_DEFINING_MODULES = {
    "libvirt": ("_generated", "_handwritten", "_auth", "_eventloop"),
    "libvirt_qemu": ("_generated_qemu", "_qemu_lxc"),
    "libvirt_lxc": ("_generated_lxc", "_qemu_lxc"),
}


def function(pymodule: str, name: str):
    """A module function of the binding, taken once from the module that
    defines it (libvirtmod.virEventRegisterImpl stays the real one while a
    test patches libvirt.virEventRegisterImpl, as libvirt-python's own
    tests do)."""
    for module_name in _DEFINING_MODULES[pymodule]:
        module = importlib.import_module("." + module_name, __package__)
        found = module.__dict__.get(name)
        if found is not None:
            return found
    raise AttributeError("%s has no function %r" % (pymodule, name))


def arg(value):
    """An argument of a hand-written method: a raw handle (or a list of them)
    becomes a borrowed object; anything else passes unchanged."""
    if isinstance(value, _CData):
        borrow = _by_ctype.get(_typeof(value))
        return value if borrow is None else borrow(value)
    if type(value) in (list, tuple) and value and isinstance(value[0], _CData):
        return type(value)(arg(item) for item in value)
    return value


def _detach(handle) -> bool:
    """Take the destructor off a handle, in place; False if it had none
    attached by ffi.gc (a pointer made some other way)."""
    try:
        _gc(handle, None)
    except TypeError:
        return False
    return True


def _noop(_handle) -> None:
    pass


def releasing(borrow, handle):
    """A borrowed object for a call that releases its handle (virConnectClose):
    the handle's owner gives it up first, as the object's own close() does."""
    obj = borrow(handle)
    if handle is not None and handle and not _detach(handle):
        # A pointer without a destructor: the method detaches one itself.
        obj._o = _gc(handle, _noop)
    return obj


# --- results ----------------------------------------------------------------------

def take(obj):
    """The handle of an object a call just made, with its destructor detached:
    the caller's wrapper becomes its only owner."""
    if obj is None:
        return None
    handle = obj._o
    _detach(handle)
    return handle


def take_all(objects):
    return [take(obj) for obj in objects]


def take_any(result):
    """A hand-written method's list result, with any objects in it (alone or
    first in tuples, as getAllDomainStats gives them) turned into handles."""
    if type(result) is list and result:
        first = result[0]
        if isinstance(first, _Handle):
            return take_all(result)
        if type(first) is tuple and first and isinstance(first[0], _Handle):
            return [(take(item[0]),) + item[1:] for item in result]
    return result


def failed(error, value):
    """libvirtmod's result for a call that raised `error`: libvirt's error
    stays set for the caller. A function the loaded libvirt lacks still
    raises."""
    if isinstance(error, _FunctionNotAvailable):
        raise error
    if isinstance(error, _core.RefusedArgument) and not error.passed_on:
        raise error     # libvirt-python's own argument parsing raises too
    return value


def freer(name: str, since):
    """virXxxFree(handle): release a handle (taking its destructor off first,
    so its owner, if any, does not release it again)."""
    free = _core.function("libvirt", name, since)

    def release(handle):
        if handle is None:
            return free(_NULL)
        _detach(handle)
        return free(handle)
    release.__name__ = name
    return release


def pointer(handle) -> int:
    """The address of the C object behind a handle (libvirt-python's
    virXxx_pointer, behind c_pointer())."""
    if handle is None:
        return 0
    return int(_ffi.cast("uintptr_t", handle))


# --- callback registrations ----------------------------------------------------------
#
# libvirt-python's Python layer registers a record, cbData = {"cb": ...,
# "opaque": ..., "conn": <its virConnect>} (or "stream"), and the C extension
# calls a dispatcher on it: conn._dispatchDomainEventLifecycleCallback(dom,
# event, detail, cbData), with dom a raw handle the dispatcher wraps. These
# register the binding's own callback and relay each call the same way; an
# object without that dispatcher (one of this binding's) gets cbData's cb
# called directly, as the dispatcher would.


def _handed_over(lent, owner):
    """An object a callback was lent, re-wrapped with `owner` as its parent."""
    return type(lent)._adopt(owner, take(lent))


def _dispatcher_name(callback_type: str) -> str:
    """libvirt-python's dispatcher for a callback type:
    virConnectDomainEventRTCChangeCallback -> _dispatchDomainEventRTCChangeCallback."""
    name = callback_type[len("virConnect"):]
    if name == "DomainEventCallback":
        name = "DomainEventLifecycleCallback"
    return "_dispatch" + name


def _register_any(family_name: str, method_name: str):
    family = _events.FAMILIES[family_name]
    borrow_conn = borrower("virConnect")
    borrow_object = borrower(family_name)
    register_any = method("virConnect", method_name)

    def register(conn, obj, eventID, cbData):
        callback_type = _core.event_callback_types.get(family.id_enum, {}).get(eventID)
        dispatcher = _dispatcher_name(callback_type) if callback_type else ""

        def relay(_conn, lent, *values):
            values = values[:-1]            # without the relay's opaque
            target = cbData["conn"]
            dispatch = getattr(target, dispatcher, None)
            if dispatch is not None:
                dispatch(take(lent), *values, cbData)
            else:
                cbData["cb"](target, _handed_over(lent, target), *values, cbData["opaque"])
        try:
            return register_any(borrow_conn(conn), borrow_object(obj), eventID, relay, None)
        except libvirtError as error:
            return failed(error, -1)
    register.__name__ = family.register_name
    return register


virConnectDomainEventRegisterAny = _register_any("virDomain", "domainEventRegisterAny")
virConnectNetworkEventRegisterAny = _register_any("virNetwork", "networkEventRegisterAny")
virConnectStoragePoolEventRegisterAny = _register_any(
    "virStoragePool", "storagePoolEventRegisterAny")
virConnectNodeDeviceEventRegisterAny = _register_any(
    "virNodeDevice", "nodeDeviceEventRegisterAny")
virConnectSecretEventRegisterAny = _register_any("virSecret", "secretEventRegisterAny")


class _LegacyRelay:
    """The legacy domain event registration: libvirt-python passes its
    virConnect object itself, whose _dispatchDomainEventCallbacks(dom, event,
    detail) calls every callback of its domainEventCallbacks."""

    __slots__ = ("conn", "target")

    def __init__(self, target):
        self.conn = None        # the parent of the domain lent to the callback
        self.target = target

    def deliver(self, values):
        lent, event, detail = values
        dispatch = getattr(self.target, "_dispatchDomainEventCallbacks", None)
        if dispatch is not None:
            dispatch(take(lent), event, detail)
        else:
            _events.LegacyDomainRegistration(self.target).deliver(
                [_handed_over(lent, self.target), event, detail])


def _c_handle(handle):
    return _NULL if handle is None else handle


def virConnectDomainEventRegister(conn, target):
    handle = _callbacks.hold(_LegacyRelay(target))
    ret = _functions.virConnectDomainEventRegister(
        _c_handle(conn), _events.lifecycle_callback(), handle, _callbacks.FREE_OPAQUE)
    if ret == -1:
        _callbacks.drop(handle)
    return ret


def virConnectDomainEventDeregister(conn, target):
    return _functions.virConnectDomainEventDeregister(
        _c_handle(conn), _events.lifecycle_callback())


_register_close_callback = method("virConnect", "registerCloseCallback")
_stream_event_add_callback = method("virStream", "eventAddCallback")


def _relay_one_value(cbData, owner_key, dispatcher):
    """A callback(object, value, opaque) that hands `value` to cbData's owner:
    to its libvirt-python dispatcher method when it has one, else straight
    to cbData["cb"]."""
    def relay(_object, value, _opaque):
        target = cbData[owner_key]
        dispatch = getattr(target, dispatcher, None)
        if dispatch is not None:
            dispatch(value, cbData)
        else:
            cbData["cb"](target, value, cbData["opaque"])
    return relay


def virConnectRegisterCloseCallback(conn, cbData):
    relay = _relay_one_value(cbData, "conn", "_dispatchCloseCallback")
    try:
        return _register_close_callback(borrower("virConnect")(conn), relay, None)
    except libvirtError as error:
        return failed(error, -1)


def virStreamEventAddCallback(stream, events, cbData):
    relay = _relay_one_value(cbData, "stream", "_dispatchStreamEventCallback")
    try:
        _stream_event_add_callback(borrower("virStream")(stream), events, relay, None)
        return 0
    except libvirtError as error:
        return failed(error, -1)


def virConnectDomainQemuMonitorEventRegister(conn, dom, event, cbData, flags):
    from . import _qemu_lxc

    def relay(_conn, lent, event, seconds, micros, details, _opaque):
        target = cbData["conn"]
        # libvirt-python's dispatcher is a function of its libvirt_qemu.
        dispatch = getattr(sys.modules.get("libvirt_qemu"),
                           "_dispatchQemuMonitorEventCallback", None)
        if dispatch is not None:
            dispatch(target, take(lent), event, seconds, micros, details, cbData)
        else:
            cbData["cb"](target, _handed_over(lent, target), event, seconds, micros,
                         details, cbData["opaque"])
    try:
        return _qemu_lxc.qemuMonitorEventRegister(
            borrower("virConnect")(conn), borrower("virDomain")(dom), event, relay,
            None, flags)
    except libvirtError as error:
        return failed(error, -1)


# --- the event loop ---------------------------------------------------------------


def virEventAddHandle(fd, events, cbData):
    def relay(watch, fd, events, _opaque):
        dispatch = getattr(sys.modules.get("libvirt"), "_dispatchEventHandleCallback", None)
        if dispatch is not None:
            dispatch(watch, fd, events, cbData)
        else:
            cbData["cb"](watch, fd, events, cbData["opaque"])
    try:
        return _eventloop.virEventAddHandle(fd, events, relay, None)
    except libvirtError as error:
        return failed(error, -1)


def virEventAddTimeout(timeout, cbData):
    def relay(timer, _opaque):
        dispatch = getattr(sys.modules.get("libvirt"), "_dispatchEventTimeoutCallback", None)
        if dispatch is not None:
            dispatch(timer, cbData)
        else:
            cbData["cb"](timer, cbData["opaque"])
    try:
        return _eventloop.virEventAddTimeout(timeout, relay, None)
    except libvirtError as error:
        return failed(error, -1)


# A Python event loop gets (C callback, C data, C free function) as the opaque
# of each watch and timer; libvirt-python's layer passes the parts it needs.

def virEventInvokeHandleCallback(watch, fd, event, callback, opaque):
    if callback:
        callback(watch, fd, event, opaque)
    return 0


def virEventInvokeTimeoutCallback(timer, callback, opaque):
    if callback:
        callback(timer, opaque)
    return 0


def virEventInvokeFreeCallback(free, opaque):
    if free:
        free(opaque)
    return 0


# --- programs replacing libvirtmod's functions ------------------------------------
#
# libvirt-python's methods call libvirtmod at call time, so a program (or its
# test suite) replacing libvirtmod.virDomainMigrate3 with a mock changes what
# dom.migrate3() does. Ours call libvirt directly; the module's class hook
# below reroutes a method through libvirtmod only while its function is
# replaced, and puts the direct method back when the original returns.
# Nothing runs on any call while nothing is replaced.

def _parent(expression, self, arguments):
    if expression == "self":
        return self
    if expression.startswith("self."):
        return getattr(self, expression[5:])
    return arguments.get(expression)


def _wrap(cls_name, parent, handle):
    """An object around a raw handle a replaced function returned; it takes
    the handle over (a destructor attached to it is moved, not doubled)."""
    cls = _core.classes[cls_name]
    if issubclass(cls, _objects.OwnConnection):
        return cls(_obj=handle)
    return cls(parent, _obj=handle)


def _wrap_any(ret, self):
    """A list result's raw handles (alone, or first in tuples) as objects:
    take_any's inverse. A snapshot's or port's parent is self, any other
    object's the connection."""
    if type(ret) is not list or not ret:
        return ret
    first = ret[0][0] if type(ret[0]) is tuple and ret[0] else ret[0]
    if not isinstance(first, _CData):
        return ret
    cls_name = _typeof(first).cname.rstrip(" *")
    if issubclass(_core.classes[cls_name], _objects.MadeFromObject):
        parent = self
    else:
        parent = self if isinstance(self, _objects.Connection) else self.connect()
    if type(ret[0]) is tuple:
        return [(_wrap(cls_name, parent, item[0]),) + item[1:] for item in ret]
    return [_wrap(cls_name, parent, handle) for handle in ret]


def _routed(module, name, entry, direct):
    cls_name, pyname, failure, result, ret_cls, parent = entry
    signature = inspect.signature(direct)
    fails = failure is not None     # else the method never reports a failure
    failure = ast.literal_eval(failure) if fails else None
    message = name + "() failed"

    def call(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = bound.arguments
        raw = [value._o if isinstance(value, _Handle) else value
               for value in arguments.values()]
        ret = getattr(module, name)(*raw)
        if fails and (ret is None if failure is None else type(ret) is int and ret == failure):
            raise _core.error(message)
        self = next(iter(arguments.values()), None) if cls_name else None
        if result == "handle":
            return _wrap(ret_cls, _parent(parent, self, arguments), ret)
        if result == "handles":
            owner = _parent(parent, self, arguments)
            return [_wrap(ret_cls, owner, handle) for handle in ret]
        if result == "zero":
            return None
        if result == "any":
            return _wrap_any(ret, self)
        return ret
    call.__name__ = call.__qualname__ = pyname
    call.__doc__ = direct.__doc__
    return call


def _owner(module, entry):
    cls_name = entry[0]
    if cls_name:
        return _core.classes[cls_name]
    return sys.modules[module.__dict__["_public"]]


class _Hooked(types.ModuleType):
    """libvirtmod's module class: replacing one of its functions reroutes the
    method calling it; restoring the original restores the method."""

    def __setattr__(self, name, value):
        types.ModuleType.__setattr__(self, name, value)
        _reroute(self, name, value)

    def __delattr__(self, name):
        types.ModuleType.__delattr__(self, name)
        _reroute(self, name, None)


def _reroute(module, name, value):
    routes = module.__dict__.get("_routes")
    entry = routes.get(name) if routes else None
    if entry is None:
        return
    owner = _owner(module, entry)
    pyname = entry[1]
    originals = module.__dict__["_originals"]
    saved = module.__dict__["_saved"]
    if value is originals.get(name) or value is None:
        if name in saved:       # the direct method back
            direct = saved.pop(name)
            if direct is _MISSING:
                delattr(owner, pyname)
            else:
                setattr(owner, pyname, direct)
        return
    if name not in saved:
        saved[name] = vars(owner).get(pyname, _MISSING)
    direct = getattr(owner, pyname) if saved[name] is _MISSING else saved[name]
    setattr(owner, pyname, _routed(module, name, entry, direct))


_MISSING = object()


def hook(module_name: str, public: str, routes: dict) -> None:
    """Give a generated libvirtmod module its routes (methods of the public
    module `public` and its classes) and its class hook."""
    module = sys.modules[module_name]
    module.__dict__["_public"] = public
    module.__dict__["_routes"] = routes
    module.__dict__["_originals"] = {name: module.__dict__[name] for name in routes}
    module.__dict__["_saved"] = {}
    module.__class__ = _Hooked
