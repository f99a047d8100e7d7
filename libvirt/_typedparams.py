"""Typed parameters (virTypedParameter arrays) as Python dicts, in and out.

The generated getters and setters call these with the C function and the
arguments that come before and after the array and its count in its C
prototype. Values convert as libvirt-python converts them: BOOLEAN to bool,
STRING to str, the numbers to int or float.
"""

from __future__ import annotations

import struct
import sys

from . import _core, _functions

_ffi = _core.ffi
_string = _ffi.string
_buffer = _ffi.buffer
_cast = _ffi.cast
_virTypedParamsClear = _functions.virTypedParamsClear
_virTypedParamsFree = _functions.virTypedParamsFree
_NULL = _ffi.NULL
# Types resolved once: ffi.new and ffi.cast with a string parse it each time.
_INT_P = _ffi.typeof("int *")
PARAMS = _ffi.typeof("virTypedParameter[]")
_PARAMS_P = _ffi.typeof("virTypedParameterPtr *")
_CHAR_P = _ffi.typeof("char *")

INT, UINT, LLONG, ULLONG, DOUBLE, BOOLEAN, STRING = 1, 2, 3, 4, 5, 6, 7
_UNION_MEMBER = {INT: "i", UINT: "ui", LLONG: "l", ULLONG: "ul", DOUBLE: "d"}
# The C type of each integer member: values outside it are refused.
_UNION_CHECK = {kind: _core.index_checker(ctype) for kind, ctype in (
    (INT, "int"), (UINT, "unsigned int"), (LLONG, "long long"),
    (ULLONG, "unsigned long long"))}
_FIELD_LENGTH = 80      # VIR_TYPED_PARAM_FIELD_LENGTH


def _param_layout() -> struct.Struct:
    """virTypedParameter as struct unpacks it: (field bytes, type, the
    union's 8 bytes as one unsigned integer). Reading a whole array through
    one buffer costs a fraction of cffi's per-attribute reads."""
    type_offset = _ffi.offsetof("virTypedParameter", "type")
    value_offset = _ffi.offsetof("virTypedParameter", "value")
    size = _ffi.sizeof("virTypedParameter")
    if _ffi.offsetof("virTypedParameter", "field") != 0 or _ffi.sizeof("int") != 4:
        raise ImportError("unexpected virTypedParameter layout")
    return struct.Struct("=%ds%dxi%dxQ%dx" % (
        _FIELD_LENGTH, type_offset - _FIELD_LENGTH,
        value_offset - type_offset - 4, size - value_offset - 8))


_PARAM = _param_layout()
_PARAM_SIZE = _PARAM.size
_unpack_params = _PARAM.iter_unpack
# Where the union's int and char members sit inside its 8 bytes.
_INT_SHIFT, _CHAR_SHIFT = (0, 0) if sys.byteorder == "little" else (32, 56)
_as_double = struct.Struct("=d").unpack
_as_bytes = struct.Struct("=Q").pack

# Decoded field names by their raw 80 bytes: libvirt reuses a small set of
# names, and decoding one costs several times a dict look-up. Bounded, so
# ever-new names (block.N.* over many disks) cannot grow it without limit.
_names = {}
_NAMES_MAX = 4096


def _field_name(field: bytes) -> str:
    name = field.partition(b"\0")[0].decode()
    if len(_names) < _NAMES_MAX:
        _names[field] = name
    return name


def to_dict(params, count: int) -> dict:
    """The first `count` parameters as {field: value}."""
    result = {}
    if count <= 0:
        return result
    names = _names
    for field, kind, value in _unpack_params(_buffer(params, count * _PARAM_SIZE)):
        name = names.get(field) or _field_name(field)
        if kind == ULLONG:      # the most frequent first (statistics)
            pass
        elif kind == INT:
            value = (((value >> _INT_SHIFT) & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000
        elif kind == LLONG:
            if value >= 0x8000000000000000:
                value -= 0x10000000000000000
        elif kind == UINT:
            value = (value >> _INT_SHIFT) & 0xFFFFFFFF
        elif kind == BOOLEAN:
            value = (value >> _CHAR_SHIFT) & 0xFF != 0
        elif kind == DOUBLE:
            value = _as_double(_as_bytes(value))[0]
        elif kind == STRING:
            value = _string(_cast(_CHAR_P, value)).decode() if value else None
        else:
            continue    # a type newer than this binding: not guessed at
        result[name] = value
    return result


def to_dict_rows(params, stride: int, used: int, rows: int) -> list:
    """`rows` dicts from an array of rows of `stride` parameters each, of
    which the first `used` are filled (virDomainGetCPUStats per CPU)."""
    return [to_dict(params + row * stride, used) for row in range(max(rows, 0))]


def cleared_error(params, nparams: int, failed: str):
    """The error of the call that just failed, read before any string it
    left in the caller's array is freed (as libvirt-python frees them).
    Returned, not raised here: a frame holding its own exception would
    keep it, and the object, alive in a reference cycle."""
    error = _core.error(failed)
    _virTypedParamsClear(params, nparams)
    return error


def get_sized(name: str, function, before: tuple, after: tuple,
              nparams=None, convert=to_dict):
    """Getters whose array the caller allocates: asked once with no array
    for the count (unless `nparams` gives it), then again to fill it; the
    filled array converted by `convert`. The strings libvirt put in it are
    freed always: after the conversion, or, when the filling call fails,
    after its error is read."""
    count = _ffi.new(_INT_P, 0)
    if nparams is None:
        if function(*before, _NULL, count, *after) < 0:
            raise _core.error(name + "() failed")
        nparams = count[0]
        if nparams <= 0:
            return {}
    else:
        count[0] = nparams
    params = _ffi.new(PARAMS, nparams)
    if function(*before, params, count, *after) < 0:
        raise cleared_error(params, nparams, name + "() failed")
    try:
        return convert(params, min(count[0], nparams))
    finally:
        _virTypedParamsClear(params, nparams)     # the strings libvirt made


def get_allocated(name: str, function, before: tuple, after: tuple,
                  count_type: str = "int *", none_on_failure: bool = False,
                  convert=to_dict):
    """Getters for which libvirt allocates the array (None instead of an
    exception when libvirt fails, for those libvirt-python lets do so); the
    array converted by `convert`, then freed, also if the conversion fails."""
    params = _ffi.new(_PARAMS_P)
    count = _ffi.new(count_type, 0)
    if function(*before, params, count, *after) == -1:
        if none_on_failure:
            return None
        raise _core.error(name + "() failed")
    try:
        return convert(params[0], count[0])
    finally:
        _virTypedParamsFree(params[0], count[0])


def kinds(params, count: int) -> dict:
    """{field: VIR_TYPED_PARAM_*} of the first `count` parameters."""
    if count <= 0:
        return {}
    return {_names.get(field) or _field_name(field): kind
            for field, kind, _value in _unpack_params(_buffer(params, count * _PARAM_SIZE))}


def _types(name: str, getter, before: tuple, after: tuple, sized: bool) -> dict:
    """{field: VIR_TYPED_PARAM_*} of what the getter currently reports."""
    if sized:
        return get_sized(name, getter, before, after, convert=kinds)
    return get_allocated(name, getter, before, after, convert=kinds)


def guess_type(field: str, value) -> int:
    """The type libvirt-python gives a value no documentation types."""
    if isinstance(value, str):
        return STRING
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return ULLONG if 0 <= value < 2 ** 64 else LLONG
    if isinstance(value, float):
        return DOUBLE
    raise TypeError('Unknown type of "%s" field' % field)


def _set(param, field: str, kind: int, value, keepalive: list) -> None:
    encoded = _core.cstr(field, "params key")
    if len(encoded) >= _FIELD_LENGTH:
        # libvirt's words (virTypedParamsAdd*, which libvirt-python calls).
        raise _core.ArgumentValueError("Field name '%s' too long" % field,
                                       None, field, passed_on=True)
    param.field = encoded
    param.type = kind
    if kind == BOOLEAN:
        param.value.b = b"\1" if value else b"\0"
    elif kind == STRING:
        text = _ffi.new("char[]", _core.cstr(value, field))
        keepalive.append(text)      # owned by Python, not by libvirt
        param.value.s = text
    elif kind == DOUBLE:
        if isinstance(value, (str, bytes, bytearray)):
            raise TypeError("parameter '%s' must be a real number, not %s"
                            % (field, type(value).__name__))
        param.value.d = float(value)
    elif kind in _UNION_MEMBER:
        setattr(param.value, _UNION_MEMBER[kind],
                _UNION_CHECK[kind](value, field))
    else:
        raise LookupError('Type value "%d" not recognized' % kind)


def from_dict(values: dict, types: dict):
    """A virTypedParameter array for `values`, each converted to the type
    libvirt reported for that field. Returns (array, count, keepalive)."""
    if not isinstance(values, dict):
        raise TypeError("params must be a dict, not %s" % type(values).__name__)
    if not values:
        raise LookupError("Need non-empty dictionary to set attributes")
    params = _ffi.new(PARAMS, len(values))
    keepalive = []
    for param, (field, value) in zip(params, values.items()):
        if field not in types:
            raise LookupError('Attribute name "%s" could not be recognized' % field)
        _set(param, field, types[field], value, keepalive)
    return params, len(values), keepalive


def from_dict_hinted(values, hints: dict, what: str):
    """A dict as a virTypedParameter array for setters without a getter:
    each field typed by `hints` (libvirt's documented types) or else by its
    Python value; a list or tuple value gives one parameter per item
    (libvirt's repeatable fields). Returns (array or NULL, count, keepalive)."""
    if not isinstance(values, dict):
        raise TypeError("%s must be a dictionary, not %s" % (what, type(values).__name__))
    entries = [(field, item) for field, value in values.items()
               for item in (value if isinstance(value, (list, tuple)) else (value,))]
    if not entries:
        return _NULL, 0, []
    params = _ffi.new(PARAMS, len(entries))
    keepalive = []
    for param, (field, item) in zip(params, entries):
        kind = hints.get(field)
        _set(param, field, kind if kind is not None else guess_type(field, item),
             item, keepalive)
    return params, len(entries), keepalive


def set_params_hinted(name: str, function, before: tuple, values, after: tuple,
                      hints: dict, what: str = "params") -> int:
    """Setters typed by libvirt's documented types (from_dict_hinted)."""
    params, count, _keepalive = from_dict_hinted(values, hints, what)
    ret = function(*before, params, count, *after)
    if ret == -1:
        raise _core.error(name + "() failed")
    return ret


def set_params(name: str, function, before: tuple, values: dict, after: tuple,
               getter_name: str, getter, sized: bool) -> int:
    """Setters: the dict's values take the types the getter reports."""
    types = _types(getter_name, getter, before, after, sized)
    params, count, _keepalive = from_dict(values, types)
    ret = function(*before, params, count, *after)
    if ret == -1:
        raise _core.error(name + "() failed")
    return ret
