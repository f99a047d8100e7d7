"""Events delivered by libvirt's event loop: domain, network, storage pool,
node device and secret events, the legacy domain event registration, and
the connection close callback. (Run a loop with virEventRegisterDefaultImpl()
and virEventRunDefaultImpl() in a thread, or libvirtaio, as with
libvirt-python.)

libvirt calls a different callback type for each event ID (the generator
reads which from libvirt's XML); one dispatcher per callback type converts
its C arguments by their cffi types and calls the Python callback as
cb(conn, object, *arguments, opaque). It runs in the thread running the
loop, with the GIL taken by cffi; an exception it raises is printed, as
libvirt-python does, and never reaches libvirt."""

from __future__ import annotations

from _thread import allocate_lock  # threading costs milliseconds of import time

from . import _callbacks, _core, _functions, _typedparams

_ffi = _core.ffi
classes = _core.classes


class _Family:
    """One kind of object with events: how to register for them."""

    def __init__(self, cls, id_enum, register, attribute):
        self.cls = cls                  # the class of the object events are about
        self.id_enum = id_enum          # the enum type of its event IDs
        self.register_name = register
        self.register = getattr(_functions, register)
        self.deregister_name = register.replace("RegisterAny", "DeregisterAny")
        self.deregister = getattr(_functions, self.deregister_name)
        self.generic_type = "virConnect%sEventGenericCallback" % cls[3:]
        self.attribute = attribute      # libvirt-python's dict of callback IDs


FAMILIES = {
    "virDomain": _Family("virDomain", "virDomainEventID",
                         "virConnectDomainEventRegisterAny",
                         "domainEventCallbackID"),
    "virNetwork": _Family("virNetwork", "virNetworkEventID",
                          "virConnectNetworkEventRegisterAny",
                          "networkEventCallbackID"),
    "virStoragePool": _Family("virStoragePool", "virStoragePoolEventID",
                              "virConnectStoragePoolEventRegisterAny",
                              "storagePoolEventCallbackID"),
    "virNodeDevice": _Family("virNodeDevice", "virNodeDeviceEventID",
                             "virConnectNodeDeviceEventRegisterAny",
                             "nodeDeviceEventCallbackID"),
    "virSecret": _Family("virSecret", "virSecretEventID",
                         "virConnectSecretEventRegisterAny",
                         "secretEventCallbackID"),
}

# libvirt-python's shapes for the graphics event's structs.
def _graphics_address(address):
    return {"family": address.family, "node": _text(address.node),
            "service": _text(address.service)}


def _graphics_subject(subject):
    return [(_text(subject.identities[i].type), _text(subject.identities[i].name))
            for i in range(subject.nidentity)]


_STRUCT_SHAPES = {"struct _virDomainEventGraphicsAddress": _graphics_address,
                  "struct _virDomainEventGraphicsSubject": _graphics_subject}


def _text(pointer):
    return _ffi.string(pointer).decode() if pointer else None


_lenders = {}


def _lend(cls_name):
    """Wrap an object libvirt lends to a callback: the wrapper takes its own
    reference, since libvirt frees the object when the callback returns."""
    lender = _lenders.get(cls_name)
    if lender is None:
        ref = getattr(_functions, cls_name + "Ref")
        cls = classes[cls_name]

        def lender(conn, pointer):
            ref(pointer)
            return cls._adopt(conn, pointer)
        _lenders[cls_name] = lender
    return lender


def _converters(callback_type):
    """One function per C argument between the connection and the opaque,
    turning it into what libvirt-python passes."""
    args = _ffi.typeof(callback_type).args[1:-1]
    left_out = _core.event_args_left_out.get(callback_type, ())
    steps = []
    i = 0
    while i < len(args):
        ctype = args[i]
        cname = ctype.cname
        if i in left_out:
            steps.append(("skip", None))
            i += 1
            continue
        if ctype.kind == "pointer" and ctype.item.cname == "struct _virTypedParameter":
            # An array and its count: one dict.
            steps.append(("params", None))
            i += 2
            continue
        if ctype.kind == "pointer" and ctype.item.kind == "struct":
            struct = ctype.item.cname
            if struct in _STRUCT_SHAPES:
                steps.append(("value", _STRUCT_SHAPES[struct]))
            else:
                steps.append(("object", _lend(struct.replace("struct _", ""))))
        elif cname in ("char *", "const char *"):
            steps.append(("value", _text))
        else:
            steps.append(("value", None))
        i += 1
    return steps


class Registration:
    """What libvirt's opaque leads back to: one Python callback."""

    __slots__ = ("conn", "callback", "opaque")

    def __init__(self, conn, callback, opaque):
        self.conn, self.callback, self.opaque = conn, callback, opaque

    def deliver(self, values):
        self.callback(self.conn, *values, self.opaque)


class LegacyDomainRegistration:
    """domainEventRegister: one libvirt registration per connection, for all
    the callbacks in conn.domainEventCallbacks (libvirt-python's record)."""

    __slots__ = ("conn",)

    def __init__(self, conn):
        self.conn = conn

    def deliver(self, values):
        for callback, opaque in list(self.conn.__dict__.get("domainEventCallbacks", {}).items()):
            callback(self.conn, *values, opaque)


def _dispatcher(callback_type):
    # Each step with the position of its C argument; the left-out ones gone.
    steps, position = [], 0
    for kind, convert in _converters(callback_type):
        if kind != "skip":
            steps.append((kind, convert, position))
        position += 2 if kind == "params" else 1
    result = None if _ffi.typeof(callback_type).result.cname == "void" else 0

    def dispatch(_conn_ptr, *c_args):
        registration = _callbacks.record_of(c_args[-1])
        conn = registration.conn
        values = []
        for kind, convert, position in steps:
            if kind == "params":
                values.append(_typedparams.to_dict(c_args[position], c_args[position + 1]))
            elif kind == "object":
                values.append(convert(conn, c_args[position]))
            else:
                values.append(convert(c_args[position]) if convert else c_args[position])
        registration.deliver(values)
        return result
    dispatch.__name__ = "dispatch_" + callback_type
    dispatch.result = result
    return dispatch


_c_callbacks = {}
_c_callbacks_lock = allocate_lock()


def c_callback(callback_type, as_type):
    """The C function libvirt calls for `callback_type`, cast to `as_type`;
    made once per type, on first use."""
    with _c_callbacks_lock:
        function = _c_callbacks.get(callback_type)
        if function is None:
            dispatch = _dispatcher(callback_type)
            function = _callbacks.c_function(callback_type, dispatch,
                                             error_result=dispatch.result)
            _c_callbacks[callback_type] = function
    return _ffi.cast(as_type, function)


def _register(conn, family_name, obj, event_id, cb, opaque):
    family = FAMILIES[family_name]
    # TypeError or OverflowError, as libvirt-python's 'i' format gives.
    event_id = _core.checked_index(event_id, "eventID", "int", family.register_name)
    callback_type = _core.event_callback_types.get(family.id_enum, {}).get(event_id)
    if callback_type is None:
        # libvirt-python fails (-1) without calling libvirt, in its words.
        raise _core.ArgumentValueError("%s() failed" % family.register_name,
                                       family.register_name, "eventID",
                                       passed_on=True)
    _core.require_callable(cb, "cb", family.register_name)
    c_obj = _core.handle_or_null(obj, classes[family.cls], "object")
    function = c_callback(callback_type, family.generic_type)
    handle = _callbacks.hold(Registration(conn, cb, opaque))
    ret = family.register(conn._o, c_obj, event_id, function, handle,
                          _callbacks.FREE_OPAQUE)
    if ret == -1:
        error = _core.error("%s() failed" % family.register_name)
        _callbacks.drop(handle)
        raise error
    ids = conn.__dict__.setdefault(family.attribute, {})
    ids[ret] = opaque
    return ret


def _deregister(conn, family_name, callback_id):
    family = FAMILIES[family_name]
    ret = family.deregister(conn._o, _core.checked_index(
        callback_id, "callbackID", "int", family.deregister_name))
    if ret == -1:
        raise _core.error("%s() failed" % family.deregister_name)
    conn.__dict__.get(family.attribute, {}).pop(callback_id, None)
    return ret


_virConnectRegisterCloseCallback = _functions.virConnectRegisterCloseCallback
_virConnectUnregisterCloseCallback = _functions.virConnectUnregisterCloseCallback
_virConnectDomainEventRegister = _functions.virConnectDomainEventRegister
_virConnectDomainEventDeregister = _functions.virConnectDomainEventDeregister


def lifecycle_callback():
    return c_callback("virConnectDomainEventCallback", "virConnectDomainEventCallback")


def forget_close_registration(conn) -> None:
    """After a successful unregistration: drop the registration unless
    libvirt's free callback did. A driver without close callbacks (the test
    driver's) accepts one without keeping it and never frees it, which
    would keep the connection and its callback alive for good."""
    handle = conn.__dict__.pop("_close_registration", None)
    if handle is not None:
        _callbacks.drop(handle)


def _close_callback():
    return c_callback("virConnectCloseFunc", "virConnectCloseFunc")


class ConnectionEvents:
    """The virConnect methods registering Python callbacks for events."""

    def domainEventRegisterAny(self, dom, eventID, cb, opaque):
        """Call cb(conn, dom, ..., opaque) for domain events of kind eventID
        (VIR_DOMAIN_EVENT_ID_*), of `dom` or of every domain (None); the
        arguments between dom and opaque are those of libvirt's callback
        for that event. Returns the callback ID."""
        return _register(self, "virDomain", dom, eventID, cb, opaque)

    def domainEventDeregisterAny(self, callbackID):
        return _deregister(self, "virDomain", callbackID)

    def networkEventRegisterAny(self, net, eventID, cb, opaque):
        """Call cb(conn, net, event, detail, opaque) for network events."""
        return _register(self, "virNetwork", net, eventID, cb, opaque)

    def networkEventDeregisterAny(self, callbackID):
        return _deregister(self, "virNetwork", callbackID)

    def storagePoolEventRegisterAny(self, pool, eventID, cb, opaque):
        """Call cb for storage pool events of kind eventID
        (VIR_STORAGE_POOL_EVENT_ID_*), of `pool` or of every pool (None):
        cb(conn, pool, event, detail, opaque) for LIFECYCLE,
        cb(conn, pool, opaque) for REFRESH. Returns the callback ID."""
        return _register(self, "virStoragePool", pool, eventID, cb, opaque)

    def storagePoolEventDeregisterAny(self, callbackID):
        return _deregister(self, "virStoragePool", callbackID)

    def nodeDeviceEventRegisterAny(self, dev, eventID, cb, opaque):
        return _register(self, "virNodeDevice", dev, eventID, cb, opaque)

    def nodeDeviceEventDeregisterAny(self, callbackID):
        return _deregister(self, "virNodeDevice", callbackID)

    def secretEventRegisterAny(self, secret, eventID, cb, opaque):
        return _register(self, "virSecret", secret, eventID, cb, opaque)

    def secretEventDeregisterAny(self, callbackID):
        return _deregister(self, "virSecret", callbackID)

    def domainEventRegister(self, cb, opaque):
        """Legacy: call cb(conn, dom, event, detail, opaque) for domain
        lifecycle events."""
        _core.require_callable(cb, "cb", "virConnectDomainEventRegister")
        callbacks = self.__dict__.get("domainEventCallbacks")
        if callbacks is not None:
            callbacks[cb] = opaque
            return
        self.domainEventCallbacks = {cb: opaque}
        handle = _callbacks.hold(LegacyDomainRegistration(self))
        if _virConnectDomainEventRegister(self._o, lifecycle_callback(), handle,
                                          _callbacks.FREE_OPAQUE) == -1:
            error = _core.error("virConnectDomainEventRegister() failed")
            _callbacks.drop(handle)
            del self.domainEventCallbacks
            raise error

    def domainEventDeregister(self, cb):
        callbacks = self.__dict__.get("domainEventCallbacks")
        if callbacks is None or cb not in callbacks:
            return
        del callbacks[cb]
        if not callbacks:
            del self.domainEventCallbacks
            if _virConnectDomainEventDeregister(self._o, lifecycle_callback()) == -1:
                raise _core.error("virConnectDomainEventDeregister() failed")

    def registerCloseCallback(self, cb, opaque):
        """Call cb(conn, reason, opaque) when the connection closes for a
        reason other than close() (VIR_CONNECT_CLOSE_REASON_*)."""
        _core.require_callable(cb, "cb", "virConnectRegisterCloseCallback")
        handle = _callbacks.hold(Registration(self, cb, opaque))
        ret = _virConnectRegisterCloseCallback(
            self._o, _close_callback(), handle, _callbacks.FREE_OPAQUE)
        if ret == -1:
            error = _core.error("virConnectRegisterCloseCallback() failed")
            _callbacks.drop(handle)
            raise error
        self.__dict__["_close_registration"] = handle
        return ret

    def unregisterCloseCallback(self):
        """Remove the close callback. Returns None, as libvirt-python's."""
        ret = _virConnectUnregisterCloseCallback(self._o, _close_callback())
        if ret == -1:
            raise _core.error("virConnectUnregisterCloseCallback() failed")
        forget_close_registration(self)
