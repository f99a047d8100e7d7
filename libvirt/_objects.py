"""What every libvirt object shares: holding its C handle, releasing it when
the Python object goes away, and the parent it was made from.

The generated classes derive from these; their methods are the libvirt
functions."""

from __future__ import annotations

import gc as _gc_module

from . import _core, _functions
from ._domain_cpu import DomainCPU
from ._domain_guest import DomainGuest
from ._domain_io import DomainIO
from ._domain_migrate import DomainMigrate
from ._events import ConnectionEvents
from ._host_extra import ConnectionExtra, NetworkExtra, SecretExtra
from ._streams import CHUNK, StreamIO

_ffi = _core.ffi


_gc = _ffi.gc
REFCOUNTED = _core.REFCOUNTED
_waiting_frees = _core.waiting_frees     # frees waiting for an error to be read
_drain = _core.drain
_new_object = object.__new__
_CData = _ffi.CData
_typeof = _ffi.typeof
_FunctionType = type(lambda: None)


def own_inherited_methods(*classes) -> None:
    """Give each public class its own copy of every function it inherits
    from the internal bases here, named after the class, as libvirt-python's
    classes define all their methods themselves: Python names a function by
    its __qualname__ in argument errors ("virDomain.connect() takes 1
    positional argument ...") and in its repr."""
    for cls in classes:
        seen = set(vars(cls))
        for base in cls.__mro__[1:-1]:          # the first definition wins
            for name, value in vars(base).items():
                if name in seen:
                    continue
                seen.add(name)
                if type(value) is _FunctionType:
                    setattr(cls, name, _renamed(value, cls, name))


def leave_out(base, *names) -> None:
    """Remove hand-written methods whose libvirt function the build's API
    XML lacks (the generated module calls this): from the mixin defining
    each, which only its own class inherits."""
    for name in names:
        owner = next(cls for cls in base.__mro__ if name in vars(cls))
        delattr(owner, name)


def publish(namespace, module: str) -> None:
    """The functions a public module takes from the package's internal ones,
    and the methods of its classes, report it as their module, as
    libvirt-python's (defined there) do: pydoc lists a module's functions by
    it; inspect.getmodule and pickle go by it. Hand-written functions of a
    newer libvirt than the build's XML are dropped (_core.absent)."""
    for name in _core.absent.get(module, ()):
        namespace.pop(name, None)
    for value in namespace.values():
        if type(value) is _FunctionType and value.__module__.startswith("libvirt._"):
            value.__module__ = module
        elif isinstance(value, type) and value.__module__ == module:
            for method in vars(value).values():
                if type(method) is _FunctionType:
                    method.__module__ = module


def _renamed(function, cls, name: str):
    copy = _FunctionType(function.__code__, function.__globals__, name,
                         function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__dict__.update(function.__dict__)
    copy.__doc__ = function.__doc__
    copy.__annotations__ = function.__annotations__
    copy.__qualname__ = "%s.%s" % (cls.__qualname__, name)
    return copy


def _handle_type(cls):
    """The C type of a class's handles: its generated class's, also for a
    program's subclass of it."""
    for base in cls.__mro__:
        if _core.classes.get(base.__name__) is base:
            return _typeof(base.__name__ + " *")
    raise TypeError("%s is no libvirt class" % cls.__name__)


_capsule_functions = []     # (PyCapsule_GetName, PyCapsule_GetPointer), made once


def capsule_pointer(capsule) -> int:
    """The address in a PyCapsule (what libvirt-python's libvirtmod, and C
    extensions following it, hand out as a handle), read through ctypes
    (imported only when a capsule comes): private function objects, so that
    ctypes.pythonapi's own stay untouched."""
    if not _capsule_functions:
        import ctypes
        api = getattr(ctypes, "pythonapi", None)
        if api is None:     # PyPy: its capsules live in cpyext, out of reach
            raise Exception("a PyCapsule handle needs CPython's C API, which this "
                            "interpreter lacks: pass the handle libvirtmod returned")
        _capsule_functions[:] = [
            ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object)(("PyCapsule_GetName", api)),
            ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_void_p)(
                ("PyCapsule_GetPointer", api))]
    get_name, get_pointer = _capsule_functions
    return get_pointer(capsule, get_name(capsule)) or 0


class Handle:
    """An object holding a libvirt handle in `_o` (libvirt-python's name).

    The handle is released by the destructor attached with ffi.gc when the
    last reference to it goes: no Python code runs at that point."""

    __slots__ = ("_o", "__dict__", "__weakref__")
    _release = None     # set per class: the destructor for its handles
    # What one handle keeps allocated inside libvirt, told to ffi.gc: PyPy's
    # GC sees only its own heap and would otherwise collect too rarely to
    # free handles made in a loop (CPython ignores it). About 150 bytes
    # measured per domain or pool of test:///default; rounded up.
    _size = 256

    def _give_up_handle(self):
        """The handle, detached from its destructor: the caller releases it.
        Afterwards `_o` is NULL, which libvirt reports as an invalid object
        (a closed connection: as with libvirt-python)."""
        handle = self._o
        self._o = _ffi.NULL
        if handle:
            _gc(handle, None, -self._size)  # detached in place; estimate withdrawn
        return handle

    def c_pointer(self) -> int:
        """The address of the underlying C object."""
        return int(_ffi.cast("uintptr_t", self._o))

    @classmethod
    def _owned(cls, handle):
        """The handle a constructor was given (`_obj`), now owned by the new
        object: the one reference a libvirtmod call returned is taken over,
        as libvirt-python's constructors do."""
        ctype = _handle_type(cls)
        if type(handle).__name__ == "PyCapsule":
            handle = _ffi.cast(ctype, capsule_pointer(handle))
        elif not isinstance(handle, _CData):
            # libvirt-python raises Exception itself, not a subclass.
            raise Exception("Expected a wrapped C Object but got %s" % type(handle))
        elif _typeof(handle) is not ctype:
            # A handle of another type would later be freed by the wrong
            # function (or crash an API-mode call).
            raise Exception("Expected a wrapped C Object of type %s but got %s"
                            % (ctype.cname, _typeof(handle).cname))
        else:
            # Another object's handle (its _o): its destructor moves here,
            # else both would free it.
            try:
                _gc(handle, None)
            except TypeError:
                pass
        if _waiting_frees:
            _drain()
        return _gc(handle, cls._release, cls._size)


class ConnectionChild(Handle):
    """An object made from a connection; it keeps that connection alive."""

    __slots__ = ("_conn",)

    def __init__(self, conn, _obj=None) -> None:
        self._conn = conn
        self._o = self._owned(_obj)

    @classmethod
    def _adopt(cls, conn, handle):
        """Wrap a handle libvirt just returned (the fast path of __init__)."""
        obj = _new_object(cls)
        obj._conn = conn
        obj._o = _gc(handle, cls._release, cls._size)
        if _waiting_frees:
            _drain()
        return obj

    def connect(self):
        return self._conn


_virDomainRevertToSnapshot = _functions.virDomainRevertToSnapshot


class Domain(ConnectionChild, DomainCPU, DomainIO, DomainGuest, DomainMigrate):
    """A domain."""

    def revertToSnapshot(self, snap, flags=0):
        """Revert the domain to the snapshot `snap`."""
        # The generated class (defined after this one), for its name in
        # the message of a wrong argument.
        snapshot = _core.classes["virDomainSnapshot"]
        function = "virDomainRevertToSnapshot"
        ret = _virDomainRevertToSnapshot(
            _core.handle(snap, snapshot, "snap", function),
            _core.checked_index(flags, "flags", "unsigned int", function))
        if ret == -1:
            raise _core.error("virDomainRevertToSnapshot() failed")
        return ret


class Network(ConnectionChild, NetworkExtra):
    """A virtual network."""


class Secret(ConnectionChild, SecretExtra):
    """A secret."""


class StorageVolume(ConnectionChild):
    """A storage volume."""

    # Bytes per chunk of the sendAll/recvAll family: a stream packet's payload.
    streamBufSize = CHUNK


class Stream(ConnectionChild, StreamIO):
    """A data stream (volume upload and download, consoles, ...)."""


class MadeFromObject(Handle):
    """An object made from another object than its connection (a domain's
    snapshot, a network's port): it keeps that object and the connection."""

    __slots__ = ("_parent", "_conn")

    def __init__(self, parent, _obj=None) -> None:
        self._parent = parent
        self._conn = parent.connect()
        self._o = self._owned(_obj)

    @classmethod
    def _adopt(cls, parent, handle):
        obj = _new_object(cls)
        obj._parent = parent
        obj._conn = parent._conn
        obj._o = _gc(handle, cls._release, cls._size)
        if _waiting_frees:
            _drain()
        return obj

    def connect(self):
        return self._conn


class DomainChild(MadeFromObject):
    """Snapshots and checkpoints: made from a domain."""

    __slots__ = ()
    _dom = property(lambda self: self._parent)    # libvirt-python's name

    def __init__(self, dom, _obj=None) -> None:
        MadeFromObject.__init__(self, dom, _obj)

    def domain(self):
        return self._parent

    # libvirt-python's names for the same two.
    getConnect = MadeFromObject.connect
    getDomain = domain


class NetworkChild(MadeFromObject):
    """Network ports: made from a network."""

    __slots__ = ()
    _net = property(lambda self: self._parent)    # libvirt-python's name

    def __init__(self, net, _obj=None) -> None:
        MadeFromObject.__init__(self, net, _obj)

    def network(self):
        return self._parent


_virNodeGetInfo = _functions.virNodeGetInfo
_virConnGetLastError = _functions.virConnGetLastError
_T_virNodeInfo_p = _ffi.typeof("virNodeInfo *")


class OwnConnection(Handle):
    """A connection (to libvirt or to a daemon's admin server): closed when
    the Python object goes away, as in libvirt-python, or explicitly with
    close() or a `with` block."""

    __slots__ = ()
    # About 3.7 KB measured per connection to a libvirtd (450 bytes to
    # test:///default); rounded up.
    _size = 4096

    def __init__(self, _obj=None) -> None:
        self._o = self._owned(_obj)

    @classmethod
    def _adopt(cls, _parent, handle):
        obj = _new_object(cls)
        obj._o = _gc(handle, cls._release, cls._size)
        if _waiting_frees:
            _drain()
        return obj

    def _closed(self, ret):
        """close()'s result, after libvirt's close. Its children (domains,
        pools, streams, ...) hold references to the connection: where
        objects are not freed when dropped (PyPy), those the program dropped
        still hold theirs, so collect once and the connection is closed
        here, as on CPython, unless the program still holds a child (the
        result, 1, was libvirt's answer before the collection)."""
        if ret > 0 and not REFCOUNTED:
            _gc_module.collect()
        return ret

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.close()


class Connection(OwnConnection, ConnectionEvents, ConnectionExtra):
    """A libvirt connection."""

    __slots__ = ()

    def getInfo(self):
        """[model, memory in MiB, cpus, mhz, nodes, sockets, cores, threads]
        of the host (libvirt-python's shape: memory in MiB, not KiB)."""
        info = _ffi.new(_T_virNodeInfo_p)
        if _virNodeGetInfo(self._o, info) == -1:
            raise _core.error("virNodeGetInfo() failed")
        return [_ffi.string(info.model).decode(), info.memory >> 10, info.cpus,
                info.mhz, info.nodes, info.sockets, info.cores, info.threads]

    def virConnGetLastError(self):
        """The last error recorded on this connection, as a 9-tuple, or None."""
        return _core.error_tuple(_virConnGetLastError(self._o))
