"""openAuth: opening a connection with credential callbacks.

`auth` is libvirt-python's list [credential types, callback, user data];
the callback is called as callback(credentials, user_data) with one list
[type, prompt, challenge, default, result] per credential libvirt asks for,
fills in `result`, and returns 0 (or -1 to refuse)."""

from __future__ import annotations

from . import _callbacks, _core, _functions
from ._generated import virConnect

__all__ = ["openAuth"]

_ffi = _core.ffi
_libvirt = _core.library("libvirt")
_virConnectOpenAuth = _functions.virConnectOpenAuth
_strdup = _libvirt.strdup


def _text(pointer):
    return _ffi.string(pointer).decode() if pointer else None


def _credentials(creds, ncred, cbdata):
    callback, user_data = _ffi.from_handle(cbdata)
    items = [[creds[i].type, _text(creds[i].prompt), _text(creds[i].challenge),
              _text(creds[i].defresult), None] for i in range(ncred)]
    ret = callback(tuple(items), user_data)
    if ret != 0:
        return -1 if not isinstance(ret, int) else ret
    for i, item in enumerate(items):
        result = item[4]
        if result is None:
            creds[i].result = _ffi.NULL
            creds[i].resultlen = 0
            continue
        encoded = _core.cstr(str(result), "result")
        # libvirt frees the result: it must come from the C allocator.
        creds[i].result = _strdup(encoded)
        creds[i].resultlen = len(encoded)
    return 0


# An exception in the user's callback is printed and libvirt sees -1.
_CREDENTIALS = _callbacks.c_function("virConnectAuthCallbackPtr", _credentials,
                                     error_result=-1)


def openAuth(uri, auth, flags=0):
    """Open a connection to `uri` (None: the default), asking for credentials
    through `auth` = [credential types, callback, user data]."""
    # Refusals (libvirtErrors too): libvirt-python crashes or misbehaves on
    # an auth that is not such a list.
    c_uri = _core.cstr_or_null(uri, "uri", "virConnectOpenAuth")
    if not isinstance(auth, (list, tuple)) or len(auth) != 3:
        raise _core.ArgumentTypeError(
            "auth must be a list [credential types, callback, user data], "
            "not %r" % (auth,), "virConnectOpenAuth", "auth")
    credtypes, callback, user_data = auth
    if not isinstance(credtypes, (list, tuple)):
        raise _core.ArgumentTypeError("auth[0] must be a list of VIR_CRED_* ints",
                                      "virConnectOpenAuth", "auth")
    c_types, ncredtype = _core.int_array(credtypes, "auth[0]")
    _core.require_callable(callback, "auth[1]", "virConnectOpenAuth", allow_none=True)
    flags = _core.checked_index(flags, "flags", "unsigned int", "virConnectOpenAuth")
    c_auth = _ffi.new("virConnectAuth *")
    c_auth.credtype = c_types
    c_auth.ncredtype = ncredtype
    keep = _ffi.new_handle((callback, user_data))
    if callback is not None:
        c_auth.cb = _CREDENTIALS
        c_auth.cbdata = keep
    ret = _virConnectOpenAuth(c_uri, c_auth, flags)
    if not ret:
        raise _core.error("virConnectOpenAuth() failed")
    return virConnect._adopt(None, ret)
