"""The identity of the binding's classes and objects, as libvirt-python's:

- every public class of libvirt, libvirt_qemu, libvirt_lxc and libvirtaio
  (and libvirt_admin's, in its own module) reports its public module and
  name: repr(libvirt.virDomain) == "<class 'libvirt.virDomain'>", objects
  repr as <libvirt.virDomain object at 0x...>, libvirtError as
  libvirt.libvirtError;
- no internal base class (ConnectionChild, DomainChild, DomainExtra, ...)
  names itself in a message: Python's argument errors name a method by its
  __qualname__, so every method of a public class is named after it;
- the constructors take libvirt-python's forms: virDomain(conn,
  _obj=handle) with the handle a libvirtmod call returned (or a PyCapsule
  holding one, libvirt-python's own form), taking over its one reference;
  a bad _obj raises Exception itself, as libvirt-python does.

Where the reference binding (libvirt-python 9.0.0, conftest.REF_PYTHON:
$LIBVIRT_REF_VENV, else <repo>/.venv-ref) is installed, one script runs in it and in this binding (each
in a subprocess of its own) and their answers must be equal (on PyPy, an
argument error as PyPy words it: the reference is CPython's); without it
those tests skip, saying so.
"""
import ctypes
import inspect
import json
import os
import re
import subprocess
import sys
import types

import pytest

import libvirt
import libvirt_admin
import libvirt_cffi
import libvirt_lxc
import libvirt_qemu
import libvirtaio
import libvirtmod
from libvirt import _objects

TEST_URI = "test:///default"

# libvirt-python's classes, by module (its libvirt.py, libvirtaio.py).
LIBVIRT_CLASSES = [
    "libvirtError", "virConnect", "virDomain", "virDomainCheckpoint",
    "virDomainSnapshot", "virInterface", "virNWFilter", "virNWFilterBinding",
    "virNetwork", "virNetworkPort", "virNodeDevice", "virSecret",
    "virStoragePool", "virStorageVol", "virStream"]
ADMIN_CLASSES = ["virAdmConnect", "virAdmServer", "virAdmClient"]

# The internal classes the public ones are built from.
INTERNAL = sorted({base.__qualname__
                   for name in LIBVIRT_CLASSES[1:] + ADMIN_CLASSES
                   for module in (libvirt, libvirt_admin) if hasattr(module, name)
                   for base in getattr(module, name).__mro__[1:-1]})

VOL_XML = ("<volume><name>identity.img</name><capacity>1024</capacity>"
           "</volume>")
SNAP_XML = "<domainsnapshot><name>identity-snap</name></domainsnapshot>"
CHECKPOINT_XML = "<domaincheckpoint><name>identity-cp</name></domaincheckpoint>"


def _public_classes():
    for name in LIBVIRT_CLASSES:
        yield "libvirt", getattr(libvirt, name)
    for name in ADMIN_CLASSES:
        yield "libvirt_admin", getattr(libvirt_admin, name)
    yield "libvirtaio", libvirtaio.virEventAsyncIOImpl


# --- classes --------------------------------------------------------------------

@pytest.mark.parametrize("module,cls", list(_public_classes()),
                         ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_class_names_its_public_module(module, cls):
    name = cls.__name__
    assert cls.__module__ == module
    assert cls.__qualname__ == name
    assert repr(cls) == str(cls) == "<class '%s.%s'>" % (module, name)
    assert getattr(sys.modules[module], name) is cls


def test_exceptions():
    assert repr(libvirt.libvirtError) == "<class 'libvirt.libvirtError'>"
    assert libvirt_admin.libvirtError is libvirt.libvirtError
    # libvirt-cffi's own, where it is offered
    assert libvirt_cffi.FunctionNotAvailable.__module__ == "libvirt_cffi"
    assert issubclass(libvirt_cffi.FunctionNotAvailable, libvirt.libvirtError)
    conn = libvirt.open(TEST_URI)
    try:
        with pytest.raises(libvirt.libvirtError) as raised:
            conn.lookupByName("no-such-domain")
    finally:
        conn.close()
    import traceback
    line = traceback.format_exception_only(raised.type, raised.value)[-1]
    assert line.startswith("libvirt.libvirtError: ")


@pytest.mark.parametrize("module", [libvirt, libvirt_qemu, libvirt_lxc, libvirt_admin],
                         ids=lambda m: m.__name__)
def test_functions_report_their_public_module(module):
    functions = [value for name, value in vars(module).items()
                 if isinstance(value, types.FunctionType) and not name.startswith("_")]
    assert len(functions) >= 2
    assert [f.__name__ for f in functions if f.__module__ != module.__name__] == []
    assert inspect.getmodule(functions[0]) is module


def test_pydoc_lists_the_classes_and_functions():
    import pydoc
    text = pydoc.render_doc(libvirt, renderer=pydoc.plaintext)
    assert re.search(r"^    class virDomain\(", text, re.M)
    assert re.search(r"^    open\(name=None\)", text, re.M)


def test_qemu_and_lxc_modules_define_no_classes_of_their_own():
    # As libvirt-python's: functions and constants only.
    for module in (libvirt_qemu, libvirt_lxc):
        assert [name for name in dir(module)
                if isinstance(getattr(module, name), type)] == []


def test_objects_repr_as_libvirt_pythons(conn, dom, net, pool):
    vol = pool.createXML(VOL_XML)
    snap = dom.snapshotCreateXML(SNAP_XML)
    objects = [conn, dom, net, pool, vol, conn.interfaceLookupByName("eth1"),
               conn.nodeDeviceLookupByName("computer"), conn.newStream(), snap]
    try:
        for obj in objects:
            assert re.fullmatch(r"<libvirt\.%s object at 0x[0-9a-f]+>" % type(obj).__name__,
                                repr(obj)), repr(obj)
    finally:
        snap.delete()
        vol.delete()


def _functions(cls):
    """(name, function) of every plain function a class has, inherited too,
    but not from a built-in class (PyPy's are plain functions as well)."""
    builtin = [vars(base) for base in cls.__mro__ if base.__module__ == "builtins"]
    for name in dir(cls):
        value = inspect.getattr_static(cls, name)
        if isinstance(value, types.FunctionType) and \
                not any(space.get(name) is value for space in builtin):
            yield name, value


@pytest.mark.parametrize("module,cls", list(_public_classes()),
                         ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_every_method_is_named_after_its_class(module, cls):
    wrong = ["%s: %s" % (name, function.__qualname__) for name, function in _functions(cls)
             if function.__qualname__ != "%s.%s" % (cls.__name__, name)
             and not (name.startswith("__") and function.__qualname__.startswith("object."))]
    assert not wrong
    elsewhere = [name for name, function in _functions(cls) if function.__module__ != module]
    assert not elsewhere


class _Probe:
    def method(self):
        pass


def _names_by_qualname():
    try:
        _Probe().method(1)
    except TypeError as error:
        return str(error).startswith("_Probe.method(")
    raise AssertionError("an extra argument was taken")


# CPython 3.10 on names a method by its __qualname__ in an argument error
# ("virDomain.connect() takes ..."), and so does PyPy 7.3.19 (Python 3.11);
# CPython 3.9 and PyPy 7.3.11 (Python 3.9) by its bare name. Asked of a
# plain class here.
QUALNAMED_ERRORS = _names_by_qualname()


def interpreters_words(message):
    """An argument error's message, as CPython 3.10+ words it, as this
    interpreter words it."""
    if QUALNAMED_ERRORS:
        return message
    return re.sub(r"^\w+\.", "", message)


def test_no_internal_class_in_argument_errors(conn, dom, net, pool):
    cases = [
        (lambda: libvirt.virDomain(), "virDomain.__init__() missing 1 required "
                                      "positional argument: 'conn'"),
        (lambda: libvirt.virConnect(1, 2), "virConnect.__init__() takes from 1 to 2 "
                                           "positional arguments but 3 were given"),
        (lambda: libvirt.virDomainSnapshot(), "virDomainSnapshot.__init__() missing 1 "
                                              "required positional argument: 'dom'"),
        (lambda: libvirt.virNetworkPort(), "virNetworkPort.__init__() missing 1 "
                                           "required positional argument: 'net'"),
        (lambda: dom.connect(1), "virDomain.connect() takes 1 positional argument "
                                 "but 2 were given"),
        (lambda: pool.connect(1), "virStoragePool.connect() takes 1 positional "
                                  "argument but 2 were given"),
        (lambda: conn.getInfo(1), "virConnect.getInfo() takes 1 positional argument "
                                  "but 2 were given"),
        (lambda: dom.revertToSnapshot(), "virDomain.revertToSnapshot() missing 1 "
                                         "required positional argument: 'snap'"),
        (lambda: net.connect(1), "virNetwork.connect() takes 1 positional argument "
                                 "but 2 were given"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError) as raised:
            call()
        assert str(raised.value) == interpreters_words(message)
        assert not any(re.search(r"(?<!\w)%s\b" % name, str(raised.value))
                       for name in INTERNAL)


def test_a_checkpoint_is_no_snapshot(conn, dom):
    checkpoint = dom.checkpointCreateXML(CHECKPOINT_XML)
    try:
        with pytest.raises(TypeError) as raised:
            dom.revertToSnapshot(checkpoint)
        assert str(raised.value) == \
            "argument 'snap' must be virDomainSnapshot, not virDomainCheckpoint"
        with pytest.raises(TypeError, match="must be virDomainSnapshot, not virDomain$"):
            dom.revertToSnapshot(dom)
    finally:
        checkpoint.delete()


def test_internal_names_in_the_binding_sources():
    """No message of the hand-written modules is built from the name of an
    internal class: every class given to _core.handle() is a public one."""
    here = os.path.dirname(_objects.__file__)
    for name in sorted(os.listdir(here)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(here, name)) as stream:
            source = stream.read()
        for internal in INTERNAL:
            assert not re.search(r"handle(_or_null)?\([^()]*\b%s\b" % internal, source), \
                (name, internal)


# --- constructors ---------------------------------------------------------------

# PyPy has no ctypes.pythonapi: capsules exist there only inside C
# extensions (cpyext), out of reach of the binding and of a test.
CPYTHON = sys.implementation.name == "cpython"
if CPYTHON:
    _capsule_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p,
                                     ctypes.c_void_p)(("PyCapsule_New", ctypes.pythonapi))
_CAPSULE_NAMES = {}         # the names must outlive their capsules


def capsule(cls_name, handle):
    """A PyCapsule around a raw handle, as libvirt-python's libvirtmod makes."""
    name = _CAPSULE_NAMES.setdefault(cls_name, (cls_name + "Ptr").encode())
    return _capsule_new(getattr(libvirtmod, cls_name + "_pointer")(handle), name, None)


def test_libvirtmod_handles_make_objects(conn, dom, net, pool):
    made = libvirt.virDomain(conn, _obj=libvirtmod.virDomainLookupByName(conn._o, "test"))
    assert made.name() == "test" and made.connect() is conn
    assert libvirt.virConnect(_obj=libvirtmod.virConnectOpen(TEST_URI)).getURI() == TEST_URI
    assert libvirt.virNetwork(conn, _obj=libvirtmod.virNetworkLookupByName(
        conn._o, "default")).name() == "default"
    assert libvirt.virStoragePool(conn, _obj=libvirtmod.virStoragePoolLookupByName(
        conn._o, "default-pool")).name() == "default-pool"
    assert libvirt.virInterface(conn, _obj=libvirtmod.virInterfaceLookupByName(
        conn._o, "eth1")).name() == "eth1"
    assert libvirt.virNodeDevice(conn, _obj=libvirtmod.virNodeDeviceLookupByName(
        conn._o, "computer")).name() == "computer"
    stream = libvirt.virStream(conn, _obj=libvirtmod.virStreamNew(conn._o, 0))
    assert stream.connect() is conn
    vol = libvirt.virStorageVol(conn, _obj=libvirtmod.virStorageVolCreateXML(
        pool._o, VOL_XML, 0))
    assert vol.name() == "identity.img"
    vol.delete()
    snap = libvirt.virDomainSnapshot(dom, _obj=libvirtmod.virDomainSnapshotCreateXML(
        dom._o, SNAP_XML, 0))
    assert (snap.getName(), snap.getDomain(), snap.connect()) == ("identity-snap", dom, conn)
    snap.delete()
    checkpoint = libvirt.virDomainCheckpoint(dom, _obj=libvirtmod.virDomainCheckpointCreateXML(
        dom._o, CHECKPOINT_XML, 0))
    assert checkpoint.getName() == "identity-cp" and checkpoint.domain() is dom
    checkpoint.delete()


def test_capsules_make_objects_where_the_c_api_is(conn, dom):
    if not CPYTHON:
        # PyPy: no capsule can be made or read; one (checked by the type's
        # name, so a stand-in of that name is one) is refused, clearly.
        PyCapsule = type("PyCapsule", (), {})
        with pytest.raises(Exception, match="needs CPython's C API"):
            libvirt.virDomain(conn, _obj=PyCapsule())
        with pytest.raises(Exception, match="needs CPython's C API"):
            libvirtmod.virDomainGetName(PyCapsule())
        return
    handle = libvirtmod.virDomainLookupByName(conn._o, "test")
    made = libvirt.virDomain(conn, _obj=capsule("virDomain", handle))
    assert made.name() == "test" and made.c_pointer() == libvirtmod.virDomain_pointer(handle)
    # libvirtmod takes them too
    assert libvirtmod.virDomainGetName(capsule("virDomain", made._o)) == "test"
    other = libvirt.virConnect(_obj=capsule("virConnect", libvirtmod.virConnectOpen(TEST_URI)))
    assert other.getURI() == TEST_URI
    assert other.close() == 0


def test_a_programs_subclass_takes_the_same_forms(conn):
    class Domain(libvirt.virDomain):
        pass
    made = Domain(conn, _obj=libvirtmod.virDomainLookupByName(conn._o, "test"))
    assert made.name() == "test" and type(made) is Domain
    with pytest.raises(Exception, match="Expected a wrapped C Object"):
        Domain(conn)


BAD_OBJ = [
    ("virDomain", lambda c, d, n: libvirt.virDomain(c), "NoneType"),
    ("virDomain-str", lambda c, d, n: libvirt.virDomain(c, _obj="x"), "str"),
    ("virConnect", lambda c, d, n: libvirt.virConnect(), "NoneType"),
    ("virConnect-int", lambda c, d, n: libvirt.virConnect(_obj=5), "int"),
    ("virStream-flags", lambda c, d, n: libvirt.virStream(c, 0), "int"),
    ("virStorageVol", lambda c, d, n: libvirt.virStorageVol(c, None), "NoneType"),
    ("virDomainSnapshot", lambda c, d, n: libvirt.virDomainSnapshot(d, 1), "int"),
    ("virDomainCheckpoint", lambda c, d, n: libvirt.virDomainCheckpoint(d), "NoneType"),
    ("virNetworkPort", lambda c, d, n: libvirt.virNetworkPort(n), "NoneType"),
    ("virSecret", lambda c, d, n: libvirt.virSecret(c, []), "list"),
    ("virAdmConnect", lambda c, d, n: libvirt_admin.virAdmConnect(), "NoneType"),
]


@pytest.mark.parametrize("label,make,got", BAD_OBJ, ids=[case[0] for case in BAD_OBJ])
def test_a_bad_obj_raises_exception_itself(conn, dom, net, label, make, got):
    with pytest.raises(Exception) as raised:
        make(conn, dom, net)
    assert type(raised.value) is Exception
    assert str(raised.value) == "Expected a wrapped C Object but got <class '%s'>" % got


def test_a_handle_of_another_class_is_refused(conn, dom):
    # libvirt-python takes any capsule, and later frees it with the wrong
    # function; here the handle's C type must be the class's.
    handle = libvirtmod.virConnectOpen(TEST_URI)
    with pytest.raises(Exception, match="Expected a wrapped C Object of type "
                                        "struct _virDomain \\* but got struct _virConnect"):
        libvirt.virDomain(conn, _obj=handle)
    # Still the caller's: nothing took it over (an open connection would
    # keep test:///default's state for the tests after this one).
    assert libvirtmod.virConnectClose(handle) == 0


OWNERSHIP = r'''
import ctypes, gc, libvirt, libvirtmod
new = None
if hasattr(ctypes, "pythonapi"):    # CPython: every other handle in a capsule
    new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p,
                            ctypes.c_void_p)(("PyCapsule_New", ctypes.pythonapi))
NAME = b"virDomainPtr"
conn = libvirt.open("test:///default")
for i in range(3000):
    handle = libvirtmod.virDomainLookupByName(conn._o, "test")
    if i % 2 and new:
        handle = new(libvirtmod.virDomain_pointer(handle), NAME, None)
    assert libvirt.virDomain(conn, _obj=handle).name() == "test"
    net = libvirt.virNetwork(conn, _obj=libvirtmod.virNetworkLookupByName(conn._o, "default"))
    del net
gc.collect()
# Each domain and network holds a reference to its connection: none is left
# (a leak would leave some; a double free would crash first).
print(conn.close())
'''


def test_objects_take_over_the_reference_libvirtmod_returned():
    proc = subprocess.run([sys.executable, "-I", "-c", OWNERSHIP], capture_output=True,
                          text=True, timeout=120, cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0"], proc.stdout + proc.stderr


# --- against the reference ----------------------------------------------------------

# Runs in either binding; prints {key: answer} as JSON, addresses blanked.
COMPARE = r'''
import ctypes, importlib, json, re, sys, traceback, types
import libvirt, libvirtmod, libvirt_qemu, libvirt_lxc, libvirtaio

def norm(text):
    return re.sub(r"0x[0-9a-f]+", "0x?", text)

out = {}
for modname in ("libvirt", "libvirt_qemu", "libvirt_lxc", "libvirtaio"):
    module = importlib.import_module(modname)
    public = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    for name in public:
        cls = getattr(module, name)
        if isinstance(cls, types.FunctionType) and cls.__module__.startswith("libvirt"):
            out["%s.%s()" % (modname, name)] = [cls.__qualname__, cls.__module__]
        if not isinstance(cls, type) or not cls.__module__.startswith("libvirt"):
            continue
        key = "%s.%s" % (modname, name)
        out[key] = [repr(cls), str(cls), cls.__module__, cls.__qualname__]
        for attr in dir(cls):
            value = getattr(cls, attr)
            if isinstance(value, types.FunctionType) and value.__qualname__.split(".")[0] != "object":
                out["%s.%s" % (key, attr)] = [value.__qualname__, value.__module__]

c = libvirt.open("test:///default")
d = c.lookupByName("test")
net = c.networkLookupByName("default")
pool = c.storagePoolLookupByName("default-pool")
try:
    c.lookupByName("no-such-domain")
except libvirt.libvirtError as e:
    out["libvirtError"] = [repr(type(e)), traceback.format_exception_only(type(e), e)[-1]]
for expr in ["c", "d", "net", "pool", "c.interfaceLookupByName('eth1')",
             "c.nodeDeviceLookupByName('computer')", "c.newStream()"]:
    out["repr " + expr] = norm(repr(eval(expr)))

new_capsule = None
if hasattr(ctypes, "pythonapi"):
    new_capsule = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p,
                                    ctypes.c_void_p)(("PyCapsule_New", ctypes.pythonapi))
DOMAIN_PTR = b"virDomainPtr"
CASES = json.loads(sys.argv[1])
for label, expr in CASES:
    ns = dict(libvirt=libvirt, libvirtmod=libvirtmod, c=c, d=d, net=net, pool=pool,
              new_capsule=new_capsule, DOMAIN_PTR=DOMAIN_PTR)
    try:
        out[label] = ["ok", norm(repr(eval(expr, ns)))]
    except Exception as e:
        out[label] = ["exc", type(e).__name__, norm(str(e))]
print(json.dumps(out))
'''

VOL = "<volume><name>cmp.img</name><capacity>1024</capacity></volume>"
COMPARE_CASES = [
    # libvirtmod's handles, wrapped
    ("domain", "libvirt.virDomain(c, _obj=libvirtmod.virDomainLookupByName(c._o, 'test'))"),
    ("domain-name", "libvirt.virDomain(c, _obj=libvirtmod.virDomainLookupByName("
                    "c._o, 'test')).name()"),
    ("domain-positional", "libvirt.virDomain(c, libvirtmod.virDomainLookupByName("
                          "c._o, 'test')).connect() is c"),
    ("domain-capsule", "libvirt.virDomain(c, _obj=new_capsule(libvirtmod.virDomain_pointer("
                       "libvirtmod.virDomainLookupByName(c._o, 'test')), DOMAIN_PTR, None)).ID()"),
    ("connect", "libvirt.virConnect(_obj=libvirtmod.virConnectOpen('test:///default'))"
                ".getURI()"),
    ("connect-positional", "libvirt.virConnect(libvirtmod.virConnectOpenReadOnly("
                           "'test:///default')).isAlive()"),
    ("network", "libvirt.virNetwork(c, _obj=libvirtmod.virNetworkLookupByName("
                "c._o, 'default')).name()"),
    ("pool", "libvirt.virStoragePool(c, _obj=libvirtmod.virStoragePoolLookupByName("
             "c._o, 'default-pool')).name()"),
    ("volume", "(lambda v: (v.name(), v.connect() is c, v.delete()))(libvirt.virStorageVol("
               "c, _obj=libvirtmod.virStorageVolCreateXML(pool._o, %r, 0)))" % VOL),
    ("interface", "libvirt.virInterface(c, _obj=libvirtmod.virInterfaceLookupByName("
                  "c._o, 'eth1')).MACString()"),
    ("nodedev", "libvirt.virNodeDevice(c, _obj=libvirtmod.virNodeDeviceLookupByName("
                "c._o, 'computer')).name()"),
    ("stream", "libvirt.virStream(c, _obj=libvirtmod.virStreamNew(c._o, 0))"),
    ("snapshot", "(lambda s: (s.getName(), s.getDomain() is d, s.connect() is c, s.delete()))("
                 "libvirt.virDomainSnapshot(d, _obj=libvirtmod.virDomainSnapshotCreateXML("
                 "d._o, %r, 0)))" % SNAP_XML),
    ("checkpoint", "(lambda s: (s.getName(), s.domain() is d, s.delete()))("
                   "libvirt.virDomainCheckpoint(d, _obj=libvirtmod.virDomainCheckpointCreateXML("
                   "d._o, %r, 0)))" % CHECKPOINT_XML),
    # bad forms
    ("bad-domain-no-obj", "libvirt.virDomain(c)"),
    ("bad-domain-none", "libvirt.virDomain(c, None)"),
    ("bad-domain-str", "libvirt.virDomain(c, _obj='x')"),
    ("bad-domain-no-args", "libvirt.virDomain()"),
    ("bad-connect-no-args", "libvirt.virConnect()"),
    ("bad-connect-uri", "libvirt.virConnect('test:///default')"),
    ("bad-connect-two", "libvirt.virConnect(1, 2)"),
    ("bad-stream-flags", "libvirt.virStream(c, 0)"),
    ("bad-stream-nonblock", "libvirt.virStream(c, libvirt.VIR_STREAM_NONBLOCK)"),
    ("bad-stream-three", "libvirt.virStream(c, 0, 1)"),
    ("bad-volume-none", "libvirt.virStorageVol(c, None)"),
    ("bad-pool", "libvirt.virStoragePool(c)"),
    ("bad-snapshot", "libvirt.virDomainSnapshot(d)"),
    ("bad-snapshot-int", "libvirt.virDomainSnapshot(d, 1)"),
    ("bad-snapshot-no-domain", "libvirt.virDomainSnapshot(None)"),
    ("bad-snapshot-no-args", "libvirt.virDomainSnapshot()"),
    ("bad-checkpoint", "libvirt.virDomainCheckpoint(d)"),
    ("bad-port", "libvirt.virNetworkPort(net)"),
    ("bad-port-no-args", "libvirt.virNetworkPort()"),
    ("bad-secret", "libvirt.virSecret(c, [])"),
    ("bad-nwfilter", "libvirt.virNWFilter(c)"),
    ("bad-binding", "libvirt.virNWFilterBinding(c)"),
    ("bad-nodedev", "libvirt.virNodeDevice(c)"),
    ("bad-interface", "libvirt.virInterface(c)"),
    ("bad-network", "libvirt.virNetwork(c)"),
    # argument errors of methods this binding inherits from internal classes
    ("args-connect", "d.connect(1)"),
    ("args-pool-connect", "pool.connect(1)"),
    ("args-getInfo", "c.getInfo(1)"),
    ("args-revert", "d.revertToSnapshot()"),
    ("args-vcpus", "d.vcpus(1, 2, 3)"),
    ("args-c-pointer", "d.c_pointer(1)"),
    ("args-stream-connect", "c.newStream().connect(1)"),
    # a program's subclass
    ("subclass", "type('D', (libvirt.virDomain,), {})(c, libvirtmod.virDomainLookupByName("
                 "c._o, 'test')).connect(1)"),
]
if not CPYTHON:     # no capsule can be made there (see CPYTHON)
    COMPARE_CASES = [case for case in COMPARE_CASES if "capsule" not in case[0]]


@pytest.fixture(scope="module")
def compared(ref_python):
    from conftest import run_in
    # -I (run_in): neither the source tree nor the current directory on sys.path.
    return [json.loads(run_in(python, COMPARE, json.dumps(COMPARE_CASES)).stdout)
            for python in (ref_python, sys.executable)]


def test_classes_as_the_reference(compared):
    reference, ours = compared
    classes = sorted(key for key, value in reference.items()
                     if isinstance(value, list) and len(value) == 4 and "(" not in key)
    assert "libvirt.virDomain" in classes and "libvirtaio.virEventAsyncIOImpl" in classes
    for key in classes:
        assert ours.get(key) == reference[key], key
    # every method both have is named alike, in the same module
    methods = sorted(key for key in set(reference) & set(ours) - set(classes)
                     if key.count(".") == 2)
    assert len([key for key in methods if key.startswith("libvirt.virDomain.")]) > 150
    assert [key for key in methods if ours[key] != reference[key]] == []


def test_module_functions_as_the_reference(compared):
    reference, ours = compared
    functions = sorted(key for key in reference if key.endswith("()"))
    assert "libvirt.open()" in functions and "libvirt_qemu.qemuMonitorCommand()" in functions
    assert "libvirt_lxc.lxcOpenNamespace()" in functions
    assert [key for key in functions if ours.get(key) != reference[key]] == []


def test_exceptions_and_reprs_as_the_reference(compared):
    reference, ours = compared
    assert ours["libvirtError"] == reference["libvirtError"]
    for key in reference:
        if key.startswith("repr "):
            assert ours[key] == reference[key], key


def as_worded_here(outcome):
    """The reference's outcome (CPython's: conftest.REF_PYTHON is always a
    CPython) with an argument error worded as this interpreter words it."""
    if outcome[0] == "exc" and outcome[1] == "TypeError":
        return outcome[:2] + [interpreters_words(outcome[2])]
    return outcome


@pytest.mark.parametrize("label", [label for label, _ in COMPARE_CASES])
def test_constructors_as_the_reference(compared, label):
    reference, ours = compared
    assert ours[label] == as_worded_here(reference[label])

