"""The runtime every wrapper stands on: the cffi library, libvirtError and
the conversions of arguments and results.

The compiled extension is used when it was built: API mode's (linked against
libvirt) or dlopen mode's (the same compiled calls, through pointers its
loader fills at import); otherwise the ABI-mode module opens libvirt's
shared libraries with the same declarations.

The hand-written layer's rules (libvirt/_domain_*.py, _host_extra.py, ...):
Every method keeps libvirt-python's name, arguments and result shape (list,
tuple or dict; bool or int). Buffers are sized from what libvirt reports and
everything libvirt allocates is freed, also when a conversion fails; a
failing libvirt call raises libvirtError read right after it. Arguments
libvirt-python would hand to libvirt regardless (None for a required
string, an integer outside its C type) are refused before libvirt is
called, as _core's ArgumentTypeError/ValueError/RangeError: libvirtErrors
that are also the Python class; values libvirt-python's own argument
parsing rejects (a str for an int) keep its plain TypeError.
"""

from __future__ import annotations

import sys
from operator import index as _index


def _compiled():
    """(ffi, lib, mode) of the compiled module this copy was built with:
    API mode's (linked against libvirt) or dlopen mode's (not linked: its
    loader opens the libraries); (None, None, None) when neither is."""
    try:
        from ._libvirt_cffi import ffi, lib
        return ffi, lib, "api"
    except ImportError as error:
        if "_libvirt_cffi" not in str(error):
            raise
    try:
        from ._libvirt_cffi_dl import ffi, lib
    except ImportError as error:
        if "_libvirt_cffi_dl" not in str(error):
            raise
        return None, None, None
    if lib.lvc_dl_open() < 0:
        raise ImportError("libvirt-cffi (dlopen mode) cannot load libvirt.so.0: %s"
                          % ffi.string(lib.lvc_dl_error()).decode("utf-8", "replace"),
                          name="libvirt")
    return ffi, lib, "dlopen"


ffi, _api_lib, MODE = _compiled()
if MODE is None:                            # ABI mode: cffi opens the libraries
    try:
        from ._libvirt_cffi_abi import ffi
    except ImportError:
        raise ImportError(
            "libvirt-cffi is not built: install it with 'pip install .' "
            "(the generated modules are made at build time)") from None
    MODE = "abi"


def _unresolved():
    """dlopen mode: the functions and variables the loader found in no
    library (an optional library absent, or a libvirt without them)."""
    names = set()
    if MODE == "dlopen":
        while True:
            name = _api_lib.lvc_dl_unresolved(len(names))
            if name == ffi.NULL:
                return frozenset(names)
            names.add(ffi.string(name).decode())
    return frozenset(names)


# Never called: their pointers are NULL (dlopen mode only; empty otherwise).
unresolved = _unresolved()

from ._build_info import BUILT_FOR_LIBVIRT, SONAMES  # noqa: E402  (generated)

_libraries = {}

# The generated classes by libvirt name (virDomain, ...), for hand-written
# code that makes objects; the generated module fills it.
classes = {}
# *EventID enum -> {event ID: the callback type libvirt calls}; generated.
event_callback_types = {}
# Callback type -> positions of the arguments the Python callback is not
# given (the generated module fills it).
event_args_left_out = {}


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
free = _free            # libvirt's free(), for what libvirt allocated
# The compiled (API or dlopen mode) library, or None in ABI mode.
API_LIB = _api_lib
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

    def __init__(self, name: str, since, library=None) -> None:
        if library is not None:     # dlopen mode: the loader did not find it
            message = ("%s is not in the loaded libvirt (%s, or the library is "
                       "absent)" % (name, library))
        elif since is None:     # newer than the API XML of the build
            message = ("%s is newer than libvirt %d.%d.%d, whose API this build "
                       "was made from" % ((name,) + tuple(BUILT_FOR_LIBVIRT)))
        else:
            message = ("%s needs libvirt %d.%d.%d or newer; the loaded libvirt is "
                       "%d.%d.%d" % ((name,) + tuple(since) + RUNTIME_VERSION))
        Exception.__init__(self, message)
        self.err = None


def has_error() -> bool:
    return bool(_virGetLastError())


# C function name -> whether the loaded libvirt has it, for every function
# the binding bound (see function_available).
bound = {}

# Python module -> its hand-written functions for a newer libvirt than the
# build's API XML, left out of the module (the generated modules fill it).
absent = {}


def function(module: str, name: str, since):
    """The C function `name`, or a stand-in that raises FunctionNotAvailable
    when the loaded libvirt predates it (since None: the build's API XML
    predates it) or, in dlopen mode, the loader did not find it."""
    if since is not None and since <= RUNTIME_VERSION and name not in unresolved:
        try:
            found = getattr(library(module), name)
            bound[name] = True
            return found
        except (AttributeError, ffi.error):     # not declared, not in the library
            pass
    bound[name] = False
    # The version rule's message where it applies, else the loader's.
    where = (SONAMES.get(module, module) if name in unresolved and since is not None
             and since <= RUNTIME_VERSION else None)

    def unavailable(*args, **kwargs):
        raise FunctionNotAvailable(name, since, where)
    unavailable.__name__ = name
    return unavailable


waiting_frees = []      # (free, handle); list.append and list.pop are atomic
# CPython frees an object the moment its last reference goes; PyPy only when
# its garbage collector next runs.
REFCOUNTED = sys.implementation.name == "cpython"


def release(free, handle) -> None:
    """Free a handle without losing an error the thread has yet to read.

    Every libvirt free resets the calling thread's last error, and garbage
    collection can run between a failing call and the reading of its error.
    So while this thread holds an error, frees wait; the next free made with
    no error pending (in any thread), or drain(), performs them."""
    if _virGetLastError():
        waiting_frees.append((free, handle))
        return
    free(handle)
    if waiting_frees:
        _perform_waiting()


def drain() -> None:
    """Perform the frees that wait (see release) if this thread holds no
    error. Called where a handle was just made: PyPy tends to run its
    finalizers right after a failing call, while the error is still held, so
    waiting for the next free alone could keep every free waiting."""
    if not _virGetLastError():
        _perform_waiting()


def _perform_waiting() -> None:
    while waiting_frees:
        try:
            pending_free, pending = waiting_frees.pop()
        except IndexError:      # another thread emptied it
            break
        pending_free(pending)


def releaser(cls_name: str, free_name: str, module: str = "libvirt"):
    """The destructor ffi.gc attaches to the handles of one class. API and
    dlopen mode on CPython have it compiled (lvc_release_*, see the
    generator's emit_cdef); otherwise release() above runs, with the free
    function of API module `module` (on PyPy also in the compiled modes: its
    frees wait in the list drain() empties)."""
    if _api_lib is not None and REFCOUNTED:
        return getattr(_api_lib, "lvc_release_" + cls_name)
    free = getattr(library(module), free_name)
    return lambda handle: release(free, handle)


def report_exception() -> None:
    """Print the exception being handled inside a callback from libvirt,
    which must not unwind into libvirt's C frames (libvirt-python prints
    it the same way)."""
    import traceback    # only when it happens: it is slow to import
    try:
        traceback.print_exc(file=sys.stderr)
    except Exception:   # stderr closed (as pytest's capture leaves it): nowhere
        pass            # to report, and raising would end in libvirt's C frames


# --- arguments -------------------------------------------------------------------
#
# libvirt-python hands an argument it cannot convert to libvirt anyway (None
# as NULL, integers truncated), and libvirt answers with a libvirtError. This
# binding refuses such an argument before the call (so nothing is truncated
# and nothing can crash), with an exception that is both a libvirtError
# (VIR_ERR_INVALID_ARG, as libvirt's own checks give) and the precise Python
# class: programs catching either keep working.

class RefusedArgument(libvirtError):
    """An argument the binding refused before calling libvirt.

    `passed_on` tells whether libvirt-python would have handed the value to
    libvirt regardless (None as NULL, a truncated integer, a UUID of the
    wrong length) rather than raising a Python exception itself (a wrong
    type, a NUL in a string): libvirtmod's functions report the former as
    their failure value, as libvirt-python's do, and raise the latter."""

    def __init__(self, message: str, function=None, argument=None,
                 passed_on: bool = False) -> None:
        from . import _generated     # libvirt's codes, from the model
        Exception.__init__(self, message)
        self.passed_on = passed_on
        self.err = (_generated.VIR_ERR_INVALID_ARG, _generated.VIR_FROM_NONE,
                    message, _generated.VIR_ERR_ERROR, function, argument,
                    None, 0, 0)


class ArgumentTypeError(RefusedArgument, TypeError):
    """An argument of a type the C argument cannot take (None for a pointer
    libvirt requires, a str where a list is expected, ...)."""


class ArgumentValueError(RefusedArgument, ValueError):
    """An argument of the right type with a value C cannot carry (a NUL
    inside a string, a UUID that is not 16 bytes, ...)."""


class ArgumentRangeError(RefusedArgument, OverflowError):
    """An integer outside the range of its C type (libvirt-python would
    silently truncate it)."""


def _type_name(value) -> str:
    return "None" if value is None else type(value).__name__


def null_refused(name: str, function) -> ArgumentTypeError:
    """None for a pointer libvirt requires: libvirt's own wording."""
    if function is None:
        return ArgumentTypeError("argument '%s' must not be None" % name,
                                 None, name, passed_on=True)
    return ArgumentTypeError("%s in %s must not be NULL" % (name, function),
                             function, name, passed_on=True)


def cstr(value, name: str, function=None):
    """A str argument as the NUL-terminated UTF-8 bytes libvirt takes."""
    if type(value) is not str:
        if isinstance(value, str):
            value = str(value)
        elif value is None:
            raise null_refused(name, function)
        else:
            raise ArgumentTypeError("argument '%s' must be str, not %s"
                                    % (name, _type_name(value)), function, name)
    if "\0" in value:
        raise ArgumentValueError("argument '%s' contains a NUL character" % name,
                                 function, name)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as why:       # a lone surrogate
        raise ArgumentValueError("argument '%s' is not valid text: %s"
                                 % (name, why), function, name) from None


def cstr_checked(value, name: str, function=None):
    """A str argument libvirt-python converts itself (its 's' format): a
    value that is no str, None included, is the plain TypeError it raises
    before any call to libvirt."""
    if not isinstance(value, str):
        raise TypeError("argument '%s' must be str, not %s"
                        % (name, _type_name(value)))
    return cstr(value, name, function)


def require_callable(value, name: str, function=None, allow_none: bool = False):
    """A callback argument, checked when it is registered rather than when
    libvirt first calls it (libvirt-python stores anything)."""
    if callable(value) or (allow_none and value is None):
        return value
    raise ArgumentTypeError("argument '%s' must be callable%s, not %s"
                            % (name, " or None" if allow_none else "",
                               _type_name(value)), function, name, passed_on=True)


def cstr_or_null(value, name: str, function=None):
    """A str argument where libvirt takes NULL (None)."""
    if value is None:
        return NULL
    return cstr(value, name, function)


def handle(value, cls, name: str, function=None):
    """The C handle of a libvirt object argument."""
    if not isinstance(value, cls):
        if value is None:
            raise null_refused(name, function)
        raise ArgumentTypeError("argument '%s' must be %s, not %s"
                                % (name, cls.__name__, _type_name(value)),
                                function, name)
    return value._o


def handle_or_null(value, cls, name: str, function=None):
    if value is None:
        return NULL
    return handle(value, cls, name, function)


_UUID_BUFLEN = 16


def uuid(value, name: str, function=None):
    """A raw UUID argument: VIR_UUID_BUFLEN bytes, given as bytes or as a str
    (whose UTF-8 bytes count, as in libvirt-python)."""
    if isinstance(value, str):
        value = cstr(value, name, function)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
    elif value is None:
        raise null_refused(name, function)
    else:
        raise ArgumentTypeError("argument '%s' must be bytes or str, not %s"
                                % (name, _type_name(value)), function, name)
    if len(value) != _UUID_BUFLEN:
        # libvirt-python's own words for this failure.
        message = "%s() failed" % function if function else \
            "argument '%s' must be %d bytes long" % (name, _UUID_BUFLEN)
        raise ArgumentValueError(message, function, name, passed_on=True)
    return value


def int_range(ctype: str):
    """The (lowest, highest) value of an integer C type."""
    bits = 8 * ffi.sizeof(ctype)
    if ctype.startswith("unsigned") or ctype == "size_t":
        return 0, (1 << bits) - 1
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def out_of_range(function: str, *arguments) -> OverflowError:
    """The exception for a C call cffi refused with OverflowError: which of
    its (name, value, C type) integer arguments does not fit."""
    for name, value, ctype in arguments:
        low, high = int_range(ctype)
        value = _index(value)
        if not low <= value <= high:
            return ArgumentRangeError(
                "argument '%s' of %s is out of range for %s: %d"
                % (name, function, ctype, value), function, name, passed_on=True)
    return ArgumentRangeError("an argument of %s is out of range" % function,
                              function, None, passed_on=True)


def checked_index(value, name: str, ctype: str, function=None) -> int:
    """An integer argument that must fit its C type (hand-written code)."""
    number = _index(value)
    low, high = int_range(ctype)
    if not low <= number <= high:
        raise ArgumentRangeError("argument '%s' is out of range for %s: %d"
                                 % (name, ctype, number), function, name,
                                 passed_on=True)
    return number


def index_checker(ctype: str):
    """checked_index for one C type, as a function(value, name, function=None)
    with a fast path for an int in range (the common case costs a type and
    a range comparison, not a look-up of the type's size)."""
    low, high = int_range(ctype)

    def check(value, name: str, function=None) -> int:
        if type(value) is int and low <= value <= high:
            return value
        return checked_index(value, name, ctype, function)
    return check


def string_array(values, name: str, allow_none: bool = False):
    """(char *[] or NULL, count, keepalive) for a list or tuple of str (or
    None, where libvirt takes NULL for "all")."""
    if values is None and allow_none:
        return NULL, 0, []
    if not isinstance(values, (list, tuple)):
        raise ArgumentTypeError("argument '%s' must be a list of str, not %s"
                                % (name, _type_name(values)), None, name)
    if not values:
        return NULL, 0, []
    keepalive = [ffi.new("char[]", cstr(value, name)) for value in values]
    return ffi.new("char *[]", keepalive), len(keepalive), keepalive


def int_array(values, name: str, ctype: str = "int"):
    """(ctype[] or NULL, count) for a list or tuple of ints, each of which
    must fit ctype."""
    if not isinstance(values, (list, tuple)):
        raise ArgumentTypeError("argument '%s' must be a list of int, not %s"
                                % (name, _type_name(values)), None, name)
    if not values:
        return NULL, 0
    numbers = [checked_index(value, name, ctype) for value in values]
    return ffi.new(ctype + "[]", numbers), len(values)


# --- results ------------------------------------------------------------------

def take_string(pointer) -> str:
    """A string libvirt allocated for the caller: converted, then freed."""
    try:
        return _string(pointer).decode("utf-8")
    finally:
        _free(pointer)


def free_strings(array, count: int) -> None:
    """Free the `count` strings of a char ** libvirt filled (NULL entries
    are skipped by libvirt's free)."""
    for i in range(count):
        _free(array[i])


def take_strings(array, count: int):
    """`count` strings libvirt allocated into the caller's array: converted,
    then every string freed (all of them, also if one fails to decode)."""
    try:
        return [_string(array[i]).decode("utf-8") for i in range(count)]
    finally:
        free_strings(array, count)


def text(pointer):
    """A C string libvirt still owns, or None for NULL."""
    return _string(pointer).decode("utf-8") if pointer else None


def take_string_array(array, count: int) -> list:
    """A char ** of `count` strings libvirt allocated: converted, then every
    string and the array freed (all of them, also if one fails to decode)."""
    try:
        return [text(array[i]) for i in range(count)]
    finally:
        free_strings(array, count)
        _free(array)


def take_struct_array(array, count: int, convert, free_item, failed: str) -> list:
    """A libvirt-allocated array of `count` struct pointers: each converted by
    `convert`, then every entry freed with `free_item` and the array freed,
    also when a conversion fails. A NULL array is []; a NULL entry is a
    libvirtError(failed), raised after everything is freed."""
    if not array:
        return []
    try:
        result = []
        for i in range(count):
            item = array[i]
            if not item:
                raise libvirtError(failed)
            result.append(convert(item))
        return result
    finally:
        for i in range(count):
            if array[i]:
                free_item(array[i])
        _free(array)


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
