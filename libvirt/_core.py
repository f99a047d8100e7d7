"""The runtime every wrapper stands on: the cffi library, libvirtError and
the conversions of arguments and results.

The compiled (API mode) extension is used when it was built; otherwise the
ABI-mode module opens libvirt's shared libraries with the same declarations.
"""

from __future__ import annotations

import sys
from operator import index as _index

try:
    from ._libvirt_cffi import ffi, lib as _api_lib
    MODE = "api"
except ImportError as _api_error:          # not built in API mode
    if "_libvirt_cffi" not in str(_api_error):
        raise
    try:
        from ._libvirt_cffi_abi import ffi
    except ImportError:
        raise ImportError(
            "libvirt-cffi is not built: install it with 'pip install .' "
            "(the generated modules are made at build time)") from None
    _api_lib = None
    MODE = "abi"

from ._build_info import SONAMES

_libraries = {}

# The generated classes by libvirt name (virDomain, ...), for hand-written
# code that makes objects; the generated module fills it.
classes = {}
# *EventID enum -> {event ID: the callback type libvirt calls}; generated.
event_callback_types = {}


def library(module: str):
    """The library object holding the functions of one API module."""
    lib = _libraries.get(module)
    if lib is None:
        lib = _api_lib if _api_lib is not None else ffi.dlopen(SONAMES[module])
        _libraries[module] = lib
    return lib


_libvirt = library("libvirt")
NULL = ffi.NULL
_string = ffi.string
_free = _libvirt.free
_virGetLastError = _libvirt.virGetLastError


def _runtime_version():
    version = ffi.new("unsigned long *")
    if _libvirt.virGetVersion(version, NULL, NULL) < 0:
        return (0, 0, 0)
    number = version[0]
    return (number // 1000000, number // 1000 % 1000, number % 1000)


RUNTIME_VERSION = _runtime_version()


# --- errors --------------------------------------------------------------------

def _error_text(pointer):
    # Lenient: an error message must never fail to become an exception.
    return _string(pointer).decode("utf-8", "replace") if pointer else None


def last_error():
    """libvirt's thread-local last error as libvirt-python's 9-tuple, or None.
    Every field is read before the tuple is allocated (see error())."""
    return error_tuple(_virGetLastError())


def error_tuple(err):
    """A virErrorPtr as libvirt-python's 9-tuple (None for NULL)."""
    if not err:
        return None
    code, domain, level, int1, int2 = err.code, err.domain, err.level, err.int1, err.int2
    message, str1 = _error_text(err.message), _error_text(err.str1)
    str2, str3 = _error_text(err.str2), _error_text(err.str3)
    return (code, domain, message, level, str1, str2, str3, int1, int2)


class libvirtError(Exception):
    """A failed libvirt call, carrying libvirt's error of the calling thread
    (read when the exception is made, right after the failing call)."""

    __module__ = "libvirt"      # where programs name it (tracebacks, repr)

    def __init__(self, defmsg: str) -> None:
        err = last_error()
        msg = defmsg if err is None or err[2] is None else err[2]
        Exception.__init__(self, msg)
        self.err = err

    def _field(self, index):
        return None if self.err is None else self.err[index]

    def get_error_code(self):
        return self._field(0)

    def get_error_domain(self):
        return self._field(1)

    def get_error_message(self):
        return self._field(2)

    def get_error_level(self):
        return self._field(3)

    def get_str1(self):
        return self._field(4)

    def get_str2(self):
        return self._field(5)

    def get_str3(self):
        return self._field(6)

    def get_int1(self):
        return self._field(7)

    def get_int2(self):
        return self._field(8)


def error(defmsg: str) -> libvirtError:
    """The libvirtError for a call that just failed. The thread's error is read
    before anything is allocated that could let the garbage collector run a
    finalizer (which would reset it)."""
    err = last_error()
    exc = libvirtError.__new__(libvirtError)
    Exception.__init__(exc, defmsg if err is None or err[2] is None else err[2])
    exc.err = err
    return exc


class FunctionNotAvailable(libvirtError, NotImplementedError):
    """The loaded libvirt is older than the function called."""

    __module__ = "libvirt_cffi"     # its public home

    def __init__(self, name: str, since) -> None:
        Exception.__init__(self, "%s needs libvirt %d.%d.%d or newer; the "
                           "loaded libvirt is %d.%d.%d"
                           % ((name,) + tuple(since) + RUNTIME_VERSION))
        self.err = None


def has_error() -> bool:
    return bool(_virGetLastError())


# C function name -> whether the loaded libvirt has it, for every function
# the binding bound (see function_available).
bound = {}


def function(module: str, name: str, since):
    """The C function `name`, or a stand-in that raises FunctionNotAvailable
    when the loaded libvirt predates it."""
    if since <= RUNTIME_VERSION:
        try:
            found = getattr(library(module), name)
            bound[name] = True
            return found
        except (AttributeError, ffi.error):     # not declared, not in the library
            pass
    bound[name] = False

    def unavailable(*args, **kwargs):
        raise FunctionNotAvailable(name, since)
    unavailable.__name__ = name
    return unavailable


_deferred = []      # (free, handle); list.append and list.pop are atomic


def release(free, handle) -> None:
    """Free a handle without losing an error the thread has yet to read.

    Every libvirt free resets the calling thread's last error, and garbage
    collection can run between a failing call and the reading of its error.
    So while this thread holds an error, frees wait; the next free made with
    no error pending (in any thread) performs them."""
    if _virGetLastError():
        _deferred.append((free, handle))
        return
    free(handle)
    while _deferred:
        try:
            pending_free, pending = _deferred.pop()
        except IndexError:      # another thread emptied it
            break
        pending_free(pending)


def releaser(cls_name: str, free_name: str, module: str = "libvirt"):
    """The destructor ffi.gc attaches to the handles of one class. API mode
    has it compiled (lvc_release_*, see the generator's emit_cdef); ABI mode
    runs release() above, with the free function of API module `module`."""
    if _api_lib is not None:
        return getattr(_api_lib, "lvc_release_" + cls_name)
    free = getattr(library(module), free_name)
    return lambda handle: release(free, handle)


def report_exception() -> None:
    """Print the exception being handled inside a callback from libvirt,
    which must not unwind into libvirt's C frames (libvirt-python prints
    it the same way)."""
    import traceback    # only when it happens: it is slow to import
    traceback.print_exc(file=sys.stderr)


# --- arguments -------------------------------------------------------------------

def cstr(value, name: str):
    """A str argument as the NUL-terminated UTF-8 bytes libvirt takes."""
    if type(value) is not str:
        if isinstance(value, str):
            value = str(value)
        else:
            raise TypeError("argument '%s' must be str, not %s"
                            % (name, type(value).__name__))
    if "\0" in value:
        raise ValueError("argument '%s' contains a NUL character" % name)
    return value.encode("utf-8")


def cstr_or_null(value, name: str):
    """A str argument where libvirt documents NULL as allowed (None)."""
    if value is None:
        return NULL
    return cstr(value, name)


def handle(value, cls, name: str):
    """The C handle of a libvirt object argument."""
    if not isinstance(value, cls):
        raise TypeError("argument '%s' must be %s, not %s"
                        % (name, cls.__name__, type(value).__name__))
    return value._o


def handle_or_null(value, cls, name: str):
    if value is None:
        return NULL
    return handle(value, cls, name)


def uuid(value, name: str):
    """A raw UUID argument: exactly VIR_UUID_BUFLEN bytes."""
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError("argument '%s' must be bytes, not %s"
                        % (name, type(value).__name__))
    if len(value) != 16:
        raise ValueError("argument '%s' must be 16 bytes long, not %d"
                         % (name, len(value)))
    return bytes(value)


# --- results ------------------------------------------------------------------

def take_string(pointer) -> str:
    """A string libvirt allocated for the caller: converted, then freed."""
    try:
        return _string(pointer).decode("utf-8")
    finally:
        _free(pointer)


def take_strings(array, count: int):
    """An array of `count` strings libvirt allocated: converted, freed."""
    return [take_string(array[i]) for i in range(count)]


def text(pointer):
    """A C string libvirt still owns, or None for NULL."""
    return _string(pointer).decode("utf-8") if pointer else None


def take_string_array(array, count: int) -> list:
    """A char ** of `count` strings libvirt allocated: converted, then every
    string and the array freed (all of them, also if one fails to decode)."""
    try:
        return [text(array[i]) for i in range(count)]
    finally:
        for i in range(count):
            _free(array[i])
        _free(array)


def string_array(values, name: str, allow_none: bool = False):
    """(char *[] or NULL, count, keepalive) for a list or tuple of str (or
    None, where libvirt takes NULL for "all")."""
    if values is None and allow_none:
        return NULL, 0, []
    if not isinstance(values, (list, tuple)):
        raise TypeError("argument '%s' must be a list of str, not %s"
                        % (name, type(values).__name__))
    if not values:
        return NULL, 0, []
    keepalive = [ffi.new("char[]", cstr(value, name)) for value in values]
    return ffi.new("char *[]", keepalive), len(keepalive), keepalive


def int_array(values, name: str, ctype: str = "int"):
    """(ctype[] or NULL, count) for a list or tuple of ints (cffi range-checks
    each one: OverflowError)."""
    if not isinstance(values, (list, tuple)):
        raise TypeError("argument '%s' must be a list of int, not %s"
                        % (name, type(values).__name__))
    if not values:
        return NULL, 0
    return ffi.new(ctype + "[]", [_index(value) for value in values]), len(values)


def take_handles(array_pointer, count: int, cls, parent):
    """A libvirt-allocated array of handles: each becomes a `cls` object (which
    then owns its reference); the array itself is freed."""
    array = array_pointer[0]
    adopt = cls._adopt
    try:
        if count <= 0:
            return []
        # ffi.unpack reads all the pointers in one C loop.
        return [adopt(parent, handle) for handle in ffi.unpack(array, count)]
    finally:
        _free(array)
