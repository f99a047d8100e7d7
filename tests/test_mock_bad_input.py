"""Bad arguments must raise a Python exception (TypeError, ValueError,
OverflowError) -- never crash, never be silently truncated. Where
libvirt-python would have handed the value to libvirt (None as NULL, a
truncated integer), the exception is also a libvirtError with
VIR_ERR_INVALID_ARG (conftest.assert_refused), so that programs catching
only libvirtError keep working.

THIS FILE IS EXPECTED TO FAIL ON THE REFERENCE BINDING (libvirt-python
9.0.0).  Cases it gets wrong are marked "REF:" with what it does instead.
The openAuth cases at the end of the file kill the reference interpreter
(SIGSEGV, or an endless allocation loop), so they come last, and
conftest.py runs this whole file after all others; to see the rest of the
reference results run with  -k "not openauth".

Every case runs in-process on purpose: a crash is a failure.
"""
import contextlib
import faulthandler
import os

import pytest

import libvirt
from conftest import assert_refused

TEST_URI = "test:///default"
BAD = (TypeError, ValueError, OverflowError)
VOL_XML = "<volume><name>clone.img</name><capacity>1024</capacity></volume>"
TEST_UUID_STR = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def expect_bad(fn, conn, exc=BAD):
    with pytest.raises(exc) as ei:
        fn()
    assert_refused(ei.value)
    # The connection is still healthy afterwards.
    assert conn.getURI() == TEST_URI
    assert conn.lookupByName("test").ID() == 1
    return ei.value


# (id, call(conn, pool, dom), accepted exception types)
STRING_CASES = [
    # REF: passes NULL to libvirt -> libvirtError VIR_ERR_INVALID_ARG
    ("lookupByName-None", lambda c, p, d: c.lookupByName(None), BAD),
    ("lookupByName-int", lambda c, p, d: c.lookupByName(42), TypeError),
    ("lookupByName-bytes", lambda c, p, d: c.lookupByName(b"test"), TypeError),
    ("lookupByName-float", lambda c, p, d: c.lookupByName(1.5), TypeError),
    ("lookupByName-NUL", lambda c, p, d: c.lookupByName("te\0st"), ValueError),
    # Lone surrogate cannot be encoded to UTF-8 (UnicodeEncodeError).
    ("lookupByName-surrogate",
     lambda c, p, d: c.lookupByName("\udcff"), ValueError),
    # REF: libvirtError VIR_ERR_INVALID_ARG
    ("storagePoolLookupByName-None",
     lambda c, p, d: c.storagePoolLookupByName(None), BAD),
    ("storagePoolLookupByName-int",
     lambda c, p, d: c.storagePoolLookupByName(1), TypeError),
    ("storagePoolLookupByName-bytes",
     lambda c, p, d: c.storagePoolLookupByName(b"default-pool"), TypeError),
    ("storagePoolLookupByName-NUL",
     lambda c, p, d: c.storagePoolLookupByName("default-pool\0x"), ValueError),
    # REF: libvirtError VIR_ERR_INVALID_ARG
    ("networkLookupByName-None",
     lambda c, p, d: c.networkLookupByName(None), BAD),
    # REF: libvirtError VIR_ERR_INVALID_ARG
    ("lookupByUUIDString-None",
     lambda c, p, d: c.lookupByUUIDString(None), BAD),
    # REF: libvirtError VIR_ERR_INVALID_ARG
    ("defineXML-None", lambda c, p, d: c.defineXML(None), BAD),
    ("defineXML-bytes",
     lambda c, p, d: c.defineXML(b"<domain type='test'/>"), TypeError),
    ("defineXML-NUL", lambda c, p, d: c.defineXML("<domain\0"), ValueError),
    # REF: libvirtError VIR_ERR_INVALID_ARG
    ("storagePoolDefineXML-None",
     lambda c, p, d: c.storagePoolDefineXML(None, 0), BAD),
    # REF: libvirtError VIR_ERR_INVALID_ARG
    ("pool.createXML-None", lambda c, p, d: p.createXML(None, 0), BAD),
    # REF: libvirtError VIR_ERR_INVALID_ARG
    ("storageVolLookupByName-None",
     lambda c, p, d: p.storageVolLookupByName(None), BAD),
    ("storageVolLookupByName-int",
     lambda c, p, d: p.storageVolLookupByName(7), TypeError),
]

FLAG_CASES = [
    # unsigned int flags
    # REF: -1 wraps to 0xffffffff -> libvirtError "unsupported flags"
    ("pool.XMLDesc-negative", lambda c, p, d: p.XMLDesc(-1), BAD),
    # REF: silently truncated to 0, returns the XML
    ("pool.XMLDesc-2**70", lambda c, p, d: p.XMLDesc(2 ** 70), BAD),
    # REF: silently truncated to 0, returns the XML
    ("pool.XMLDesc-2**32", lambda c, p, d: p.XMLDesc(2 ** 32), BAD),
    ("pool.XMLDesc-str", lambda c, p, d: p.XMLDesc("0"), TypeError),
    ("pool.XMLDesc-float", lambda c, p, d: p.XMLDesc(0.0), TypeError),
    ("pool.XMLDesc-None", lambda c, p, d: p.XMLDesc(None), TypeError),
    # REF: libvirtError "unsupported flags (0xfffffff4)"
    ("dom.XMLDesc-negative", lambda c, p, d: d.XMLDesc(-1), BAD),
    # REF: silently truncated, returns the XML
    ("dom.state-2**70", lambda c, p, d: d.state(2 ** 70), BAD),
    # REF: libvirtError "unsupported flags (0xfff00000)"
    ("listAllStoragePools-negative",
     lambda c, p, d: c.listAllStoragePools(-1), BAD),
    # REF: silently truncated, returns the pools
    ("listAllStoragePools-2**70",
     lambda c, p, d: c.listAllStoragePools(2 ** 70), BAD),
    # REF: silently truncated, returns the domains
    ("listAllDomains-2**64", lambda c, p, d: c.listAllDomains(2 ** 64), BAD),
    # REF: libvirtError "unsupported flags"
    ("pool.createXML-negative-flags",
     lambda c, p, d: p.createXML(VOL_XML, -1), BAD),
    # other integer arguments
    # REF: -1 wraps to ULONG_MAX -> libvirtError VIR_ERR_OVERFLOW
    ("dom.setMemory-negative", lambda c, p, d: d.setMemory(-1), BAD),
    ("dom.setMemory-2**70", lambda c, p, d: d.setMemory(2 ** 70), OverflowError),
    ("dom.setMemory-float", lambda c, p, d: d.setMemory(1.5), TypeError),
    ("pool.setAutostart-2**70",
     lambda c, p, d: p.setAutostart(2 ** 70), OverflowError),
    ("pool.setAutostart-str", lambda c, p, d: p.setAutostart("yes"), TypeError),
    ("lookupByID-2**70", lambda c, p, d: c.lookupByID(2 ** 70), OverflowError),
    ("lookupByID-str", lambda c, p, d: c.lookupByID("1"), TypeError),
]

HANDLE_CASES = [
    # REF: AttributeError ('int' object has no attribute '_o')
    ("createXMLFrom-int",
     lambda c, p, d: p.createXMLFrom(VOL_XML, 42, 0), TypeError),
    # REF: AttributeError ('str' object has no attribute '_o')
    ("createXMLFrom-str",
     lambda c, p, d: p.createXMLFrom(VOL_XML, "clone.img", 0), TypeError),
    # REF: passes NULL -> libvirtError VIR_ERR_INVALID_STORAGE_VOL
    ("createXMLFrom-None",
     lambda c, p, d: p.createXMLFrom(VOL_XML, None, 0), TypeError),
    # REF: hands the virDomainPtr to libvirt as a volume -> libvirtError
    # VIR_ERR_INVALID_STORAGE_VOL (saved only by libvirt's magic check)
    ("createXMLFrom-domain",
     lambda c, p, d: p.createXMLFrom(VOL_XML, d, 0), TypeError),
    # REF: libvirtError with no error code ("virDomainLookupByUUID() failed")
    ("lookupByUUID-None", lambda c, p, d: c.lookupByUUID(None), TypeError),
    # REF: libvirtError with no error code
    # A str counts by its UTF-8 bytes (as in the reference): 36, not 16.
    ("lookupByUUID-str",
     lambda c, p, d: c.lookupByUUID(TEST_UUID_STR), ValueError),
    # REF: libvirtError with no error code
    ("lookupByUUID-short", lambda c, p, d: c.lookupByUUID(b"abc"), ValueError),
    # REF: libvirtError with no error code
    ("lookupByUUID-long",
     lambda c, p, d: c.lookupByUUID(b"\0" * 17), ValueError),
]


def _run(case, conn, pool, dom):
    _id, call, exc = case
    expect_bad(lambda: call(conn, pool, dom), conn, exc)


@pytest.mark.parametrize("case", STRING_CASES, ids=[c[0] for c in STRING_CASES])
def test_bad_string_argument(case, conn, pool, dom):
    _run(case, conn, pool, dom)


@pytest.mark.parametrize("case", FLAG_CASES, ids=[c[0] for c in FLAG_CASES])
def test_bad_integer_argument(case, conn, pool, dom):
    _run(case, conn, pool, dom)


@pytest.mark.parametrize("case", HANDLE_CASES, ids=[c[0] for c in HANDLE_CASES])
def test_bad_handle_argument(case, conn, pool, dom):
    _run(case, conn, pool, dom)


def test_bad_flags_have_no_side_effect(conn, pool):
    # A rejected call must not have reached libvirt: no volume is created.
    with pytest.raises(BAD):
        pool.createXML(VOL_XML, 2 ** 70)  # REF: truncates and creates it
    assert pool.listVolumes() == []


def test_bad_uri_arguments():
    with pytest.raises(TypeError):
        libvirt.open(42)
    with pytest.raises(TypeError):
        libvirt.open(b"test:///default")
    with pytest.raises(ValueError):
        libvirt.open("test:///default\0junk")
    with pytest.raises(TypeError):
        libvirt.openReadOnly(42)


def test_wrong_arity_and_keywords(conn):
    with pytest.raises(TypeError):
        conn.lookupByName()
    with pytest.raises(TypeError):
        conn.lookupByName("test", 0)
    with pytest.raises(TypeError):
        conn.lookupByName(nme="test")
    assert conn.getURI() == TEST_URI


# --- openAuth: last, because the reference dies here --------------------------

def _noop_cb(creds, cbdata):
    return 0


OPENAUTH_CASES = [
    # REF: SIGSEGV
    ("openauth-None", lambda: libvirt.openAuth(TEST_URI, None), BAD),
    # REF: SIGSEGV
    ("openauth-None-flags", lambda: libvirt.openAuth(TEST_URI, None, 0), BAD),
    # REF: SIGSEGV
    ("openauth-empty-list", lambda: libvirt.openAuth(TEST_URI, [], 0), BAD),
    # REF: SIGSEGV
    ("openauth-int", lambda: libvirt.openAuth(TEST_URI, 42, 0), BAD),
    # REF: accepted, returns a connection (3rd item silently missing)
    ("openauth-short-list",
     lambda: libvirt.openAuth(TEST_URI, [[libvirt.VIR_CRED_AUTHNAME], _noop_cb],
                              0), BAD),
    # REF: accepted (callback never checked; the test driver never calls it)
    ("openauth-callback-not-callable",
     lambda: libvirt.openAuth(TEST_URI, [[libvirt.VIR_CRED_AUTHNAME], 42, None],
                              0), TypeError),
    # REF: libvirtError "unsupported flags (0xfffffffe)"
    ("openauth-negative-flags",
     lambda: libvirt.openAuth(TEST_URI, [[libvirt.VIR_CRED_AUTHNAME], _noop_cb,
                                         None], -1), BAD),
    # REF: never returns -- loops allocating memory (7 GB before we killed
    # it).  The watchdog fixture turns that into a process exit, not a hang.
    ("openauth-credtypes-not-list",
     lambda: libvirt.openAuth(TEST_URI, [None, _noop_cb, None], 0), BAD),
]


@pytest.fixture
def watchdog(request):
    """Kill the process if a call never returns (reference: endless loop).
    Not a timing assertion: a correct binding answers instantly."""
    # Write the dump to the real stderr, not pytest's capture file.
    capman = request.config.pluginmanager.getplugin("capturemanager")
    with (capman.global_and_fixture_disabled() if capman
          else contextlib.nullcontext()):
        out = os.fdopen(os.dup(2), "w")
    faulthandler.dump_traceback_later(10, exit=True, file=out)
    yield
    faulthandler.cancel_dump_traceback_later()
    out.close()


@pytest.mark.parametrize("case", OPENAUTH_CASES,
                         ids=[c[0] for c in OPENAUTH_CASES])
def test_openauth_bad_auth_argument(case, watchdog):
    _id, call, exc = case
    with pytest.raises(exc) as ei:
        call()
    assert_refused(ei.value)


@pytest.mark.parametrize("register", [
    lambda c: c.domainEventRegisterAny(None, 0, 42, None),
    lambda c: c.registerCloseCallback("not a function", None),
    lambda c: libvirt.virEventAddTimeout(1000, None, None),
], ids=["domainEventRegisterAny", "registerCloseCallback", "virEventAddTimeout"])
def test_a_callback_that_is_not_callable_is_refused_when_registered(conn, register):
    # libvirt-python stores it and fails (or crashes) when libvirt calls it.
    with pytest.raises(TypeError, match="must be callable") as refused:
        register(conn)
    assert_refused(refused.value)
    assert isinstance(refused.value, libvirt.libvirtError)
