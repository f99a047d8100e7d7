"""Derive, once per function, how it reaches Python (model.Binding), from
libvirt's facts and libvirt-python's contract (the tables of compat.py).

Every emitter reads these decisions; none of them re-derives a fact.
"""

from __future__ import annotations

import keyword
import re
from typing import Dict, List, Optional, Tuple, Union

from . import names, nullability, typed_params
from .compat import (CLASS_ORDER, CLOSE_FUNCTIONS, DEFAULTS_MODULES,
                     EVENT_ARGS_LEFT_OUT, FREED,
                     MODULE_FUNCTIONS_ONLY, NONE_IS_A_RESULT, NONE_ON_FAILURE,
                     NOT_MECHANICAL, OMITTED_PATTERNS, PARENT_CLASS, PY_MODULES,
                     RELEASES_HANDLE, RETURN_NONE_ON_NULL, RUNTIME_BASES, TYPED_BY_FAMILY,
                     ZERO_ON_ERROR)
from .model import (Api, ArgBinding, ArgKind, Binding, ErrorConvention, Function, parse_version,
                    PyClass, ReturnKind, Status)
from .parse import macro_int_values

# Integer C types the binding passes straight through cffi (which range-checks).
INT_TYPES = {"int", "unsigned int", "long", "unsigned long", "long long",
             "unsigned long long", "size_t", "long long int",
             "unsigned long long int"}

# Arguments after which an out-pointer is an array, not a single value.
_COUNT_NAME = re.compile(r"^(n[a-z_]*|max\w*|\w*len|\w*size|\w*count)$",
                         re.IGNORECASE)


class _Unsupported(Exception):
    """The function does not fit a pattern the generator wraps."""


# C types every compiler knows; any other type must be declared by the API.
C_BASE_TYPES = {"void", "char", "int", "unsigned int", "long", "unsigned long",
                "long long", "unsigned long long", "long long int",
                "unsigned long long int", "double", "size_t", "unsigned char",
                "short", "unsigned short", "float"}


def _base_name(ctype: str) -> str:
    return " ".join(re.sub(r"\bconst\b|\*|\bstruct\b", " ", ctype).split())


def declarable_types(api: Api) -> set:
    """Type names the cdef can declare: those of the API whose own parts are
    all known (a type from a newer libvirt may use one this XML lacks)."""
    known = C_BASE_TYPES | set(api.typedefs) | set(api.structs) | set(api.callbacks)
    changed = True
    while changed:
        changed = False
        for name, typedef in api.typedefs.items():
            if name in known and typedef.type != "enum" \
                    and _base_name(typedef.type) not in known:
                known.discard(name)
                changed = True
        for name, cb in api.callbacks.items():
            parts = [cb.ret.type] + [a.type for a in cb.args]
            if name in known and any(_base_name(t) not in known for t in parts):
                known.discard(name)
                changed = True
    return known


def unknown_types(api: Api, ctypes, known=None) -> List[str]:
    """The types among `ctypes` the cdef cannot declare."""
    known = declarable_types(api) if known is None else known
    return [_base_name(t) for t in ctypes if _base_name(t) not in known]


def event_callback_types(api: Api) -> Dict[str, Dict[int, str]]:
    """For each *EventID enum, the callback type libvirt calls for each event
    ID (libvirt names it in the value's description)."""
    table: Dict[str, Dict[int, str]] = {}
    for value in api.enums.values():
        if value.enum.endswith("EventID") and value.doc in api.callbacks:
            table.setdefault(value.enum, {})[value.value] = value.doc
    return {enum: dict(sorted(ids.items())) for enum, ids in sorted(table.items())}


def event_args_left_out(api: Api) -> Dict[str, Tuple[int, ...]]:
    """For each event callback type libvirt-python passes on only part of,
    the positions (among the arguments between the connection and the
    opaque) of those it leaves out (compat.EVENT_ARGS_LEFT_OUT)."""
    table = {}
    for name, left_out in EVENT_ARGS_LEFT_OUT.items():
        callback = api.callbacks.get(name)
        if callback is not None:
            names = [a.name for a in callback.args[1:-1]]
            table[name] = tuple(names.index(arg) for arg in left_out)
    return table


def annotate(api: Api) -> None:
    known = declarable_types(api)
    for cls in CLASS_ORDER:
        if cls not in api.structs:
            continue        # a handle this API does not have
        parent = PARENT_CLASS.get(cls, "virConnect")
        free = CLOSE_FUNCTIONS.get(cls, cls + "Free")
        free = free if free in api.functions else None
        base = RUNTIME_BASES.get(cls, "ConnectionChild")
        module = api.structs[cls].module
        api.classes[cls] = PyClass(cls, PY_MODULES.get(module, module), base,
                                   free, parent)
    for function in api.functions.values():
        binding = function.binding = bind(api, function, known)
        binding.result_may_be_none = binding.none_on_failure or (
            binding.errors == ErrorConvention.NULL_IS_NONE
            and function.name in NONE_IS_A_RESULT)
        binding.libvirtmod_failure = libvirtmod_failure(function, binding)
    typed_params.fill_undocumented(api)


def bind(api: Api, function: Function, known: set) -> Binding:
    pymodule = PY_MODULES.get(function.module, function.module)
    for pattern, reason in OMITTED_PATTERNS:
        if pattern.match(function.name):
            return Binding(Status.OMITTED, reason, pymodule=pymodule)
    if function.handwritten:
        _default_handwritten_flags(function)
    if function.absent:
        return Binding(Status.ABSENT, "not in libvirt %s's API: written for a newer libvirt"
                       % api.sources.get(function.module, "?"), pymodule=pymodule,
                       cls=function.cls, pyname=function.pyname
                       or names.method_name(function.name, function.cls))
    if function.handwritten and function.file == "python":
        # Python-only: libvirt-python's own function around libvirt's.
        return Binding(Status.HANDWRITTEN, function.handwritten, pymodule=pymodule,
                       cls=function.cls, pyname=function.pyname or function.name)
    missing = unknown_types(api, [function.ret.type] + [a.type for a in function.args],
                            known)
    if missing:
        return Binding(Status.UNSUPPORTED, "unknown type %s" % ", ".join(missing),
                       pymodule=pymodule)
    cls, index = names.owner(function.name, [a.type for a in function.args])
    if function.module in MODULE_FUNCTIONS_ONLY:
        cls, index = None, -1
    if cls and function.name == cls + "Free":
        return Binding(Status.OMITTED, FREED, pymodule=pymodule, cls=cls)
    cls = function.cls or cls
    pyname = function.pyname or names.method_name(function.name, cls)
    binding = Binding(Status.GENERATED, pymodule=pymodule, cls=cls, pyname=pyname,
                      releases_self=function.name in RELEASES_HANDLE,
                      none_on_failure=NONE_ON_FAILURE.get(function.name, ("",))[0]
                      == "python")
    if function.handwritten:
        binding.status = Status.HANDWRITTEN
        binding.reason = function.handwritten
        return binding
    if function.name in NOT_MECHANICAL:
        binding.status = Status.PENDING
        binding.reason = NOT_MECHANICAL[function.name]
        return binding
    try:
        _bind_args(api, function, binding, index)
        _bind_return(api, function, binding)
    except _Unsupported as why:
        binding.status = Status.PENDING
        binding.reason = str(why)
        binding.args = []
    return binding


# --- arguments ---------------------------------------------------------------

def _default_handwritten_flags(function: Function) -> None:
    """A hand-written function's `flags` defaults to 0 where the module's
    wrappers give flags defaults (DEFAULTS_MODULES), as the generated ones."""
    if function.module not in DEFAULTS_MODULES:
        return
    for arg in function.pyargs or []:
        if arg.name == "flags" and arg.default is None:
            arg.default = "0"


def _base(ctype: str) -> str:
    return re.sub(r"^const\s+", "", ctype).strip()


def _nullable(arg, function: Function) -> dict:
    """ArgBinding fields saying whether None (NULL) is accepted, and why
    (generator/nullability.py decides)."""
    accepted, why = nullability.decide(function.name, arg.name, arg.info,
                                       function.doc)
    return {"nullable": accepted, "null_reason": why}


def _is_optional(info: str) -> bool:
    return re.search(r"^\(?optional\)?", info) is not None


def _struct_fields(api: Api, ctype: str):
    """The struct a pointer type points to, if it has fields."""
    base = _base(ctype)
    typedef = api.typedefs.get(base)
    if typedef is not None and typedef.type.endswith("*"):
        base = typedef.type[:-1].strip()
    elif base.endswith("*"):
        base = base[:-1].strip()
    else:
        return None
    struct = api.structs.get(base)
    if struct is None or not struct.fields:
        return None
    return struct


def _bind_args(api: Api, function: Function, binding: Binding,
               index: int) -> None:
    args = function.args
    bound: List[ArgBinding] = []
    skip_next = False
    for position, arg in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        ctype = _base(arg.type)
        following = args[position + 1] if position + 1 < len(args) else None
        previous = args[position - 1] if position else None
        if position == index:
            bound.append(ArgBinding(arg.name, ArgKind.SELF, ctype, binding.cls))
            continue
        cls = names.handle_class(arg.type)
        if cls:
            bound.append(ArgBinding(arg.name, ArgKind.HANDLE, ctype, cls,
                                    **_nullable(arg, function)))
        elif ctype in INT_TYPES:
            bound.append(ArgBinding(arg.name, ArgKind.INT, ctype))
        elif ctype == "double":
            bound.append(ArgBinding(arg.name, ArgKind.DOUBLE, ctype))
        elif arg.type == "const char *":
            bound.append(ArgBinding(arg.name, ArgKind.STR, ctype,
                                    **_nullable(arg, function)))
        elif arg.type == "const unsigned char *" and arg.name == "uuid":
            bound.append(ArgBinding(arg.name, ArgKind.UUID, ctype))
        elif arg.type == "unsigned char *" and function.name.endswith("GetUUID"):
            bound.append(ArgBinding(arg.name, ArgKind.OUT_UUID, ctype))
        elif arg.type == "char *" and function.name.endswith("GetUUIDString"):
            bound.append(ArgBinding(arg.name, ArgKind.OUT_UUIDSTR, ctype))
        elif arg.type == "char **" and not _is_capacity(following) \
                and _is_single_out(arg, previous, following) and function.ret.type == "int":
            bound.append(ArgBinding(arg.name, ArgKind.OUT_STR, ctype))
        elif arg.type in ("char ** const", "char **") and _is_capacity(following):
            bound.append(ArgBinding(arg.name, ArgKind.OUT_NAMES, ctype))
            bound.append(ArgBinding(following.name, ArgKind.CAPACITY, following.type))
            skip_next = True
        elif arg.type == "int *" and arg.name == "ids" and _is_capacity(following):
            bound.append(ArgBinding(arg.name, ArgKind.OUT_IDS, ctype))
            bound.append(ArgBinding(following.name, ArgKind.CAPACITY, following.type))
            skip_next = True
        elif ctype == "virTypedParameterPtr" and _is_count(following, pointer=True):
            # libvirt fills an array the caller sizes: ask for the count first
            bound.append(ArgBinding(arg.name, ArgKind.OUT_PARAMS, ctype))
            bound.append(ArgBinding(following.name, ArgKind.PARAMS_COUNT, following.type))
            skip_next = True
        elif ctype == "virTypedParameterPtr *" and _is_count(following, pointer=True):
            bound.append(ArgBinding(arg.name, ArgKind.OUT_PARAMS_ALLOC, ctype))
            bound.append(ArgBinding(following.name, ArgKind.PARAMS_COUNT, following.type))
            skip_next = True
        elif ctype == "virTypedParameterPtr" and _is_count(following, pointer=False):
            bound.append(ArgBinding("params", ArgKind.IN_PARAMS, ctype))
            bound.append(ArgBinding(following.name, ArgKind.PARAMS_COUNT, following.type))
            family, since = TYPED_BY_FAMILY.get(function.name, (None, None))
            if family and parse_version(api.sources.get("libvirt")) >= since:
                binding.types_family = family
            else:
                binding.types_function = _types_function(api, function)
            skip_next = True
        elif ctype.endswith("**") and names.handle_class(ctype[:-2].strip()):
            bound.append(ArgBinding(arg.name, ArgKind.OUT_HANDLES, ctype,
                                    names.handle_class(ctype[:-2].strip())))
        elif (ctype.endswith("*") and _base(ctype[:-1]) in INT_TYPES | {"double"}
              and _is_single_out(arg, previous, following)):
            bound.append(ArgBinding(arg.name, ArgKind.OUT_INT, _base(ctype[:-1])))
        elif _struct_fields(api, arg.type) and _is_single_out(arg, previous, following) \
                and (following is None or following.name == "flags"):
            struct = _struct_fields(api, arg.type)
            bound.append(ArgBinding(arg.name, ArgKind.OUT_STRUCT, struct.name))
        else:
            raise _Unsupported("argument %s of type '%s'" % (arg.name, arg.type))
        if (arg.name == "flags" or _is_optional(arg.info)) \
                and function.module in DEFAULTS_MODULES:
            last = bound[-1]
            if last.kind == ArgKind.INT:
                last.default = "0"
            elif last.kind in (ArgKind.STR, ArgKind.HANDLE) and last.nullable:
                last.default = "None"
    for arg in bound:
        arg.c_name = arg.name
        adjust = function.adjust.get(arg.name, {})
        arg.default = adjust.get("default", arg.default)
        if arg.default == "None" and not arg.nullable:
            # A default of None is a promise that None is accepted.
            raise ValueError("%s: argument %s defaults to None, which is refused (%s)"
                             % (function.name, arg.name, arg.null_reason))
        arg.name = adjust.get("pyname") or python_arg_name(arg.name)
    binding.args = bound


def python_arg_name(name: str) -> str:
    """C argument names that are Python keywords get libvirt-python's names."""
    if name == "from":
        return "frm"
    return name + "_" if keyword.iskeyword(name) else name


def _is_count(arg, pointer: bool) -> bool:
    """The argument after a typed parameter array: its element count."""
    if arg is None or not arg.name.startswith("nparams"):
        return False
    return _base(arg.type).endswith("*") == pointer


def _types_function(api: Api, function: Function) -> str:
    """The getter whose current parameters give each field's type for a
    setter (libvirt-python converts a dict's values by those types)."""
    getter = function.name.replace("Set", "Get", 1)
    if getter == function.name or getter not in api.functions:
        raise _Unsupported("typed parameters without a getter for their types")
    inputs = [a.name for a in api.functions[getter].args
              if "TypedParameter" not in a.type and not a.name.startswith("nparams")]
    if any(name not in {a.name for a in function.args} for name in inputs):
        raise _Unsupported("the getter of the parameter types takes other inputs")
    return getter


def _is_capacity(arg) -> bool:
    return arg is not None and arg.name != "flags" \
        and _base(arg.type) in ("int", "unsigned int")


def _is_single_out(arg, previous, following) -> bool:
    """A pointer libvirt fills with one value: not an array (no count next to
    it, not described as one) and not followed by further inputs."""
    if re.search(r"\barray\b|\blist\b", arg.info, re.IGNORECASE):
        return False
    if previous is not None and _base(previous.type) in INT_TYPES \
            and _COUNT_NAME.match(previous.name) and previous.name != "flags":
        return False
    if following is None or following.name == "flags":
        return True
    return _base(following.type).endswith("*") and "const" not in following.type


# --- return value ------------------------------------------------------------

def _bind_return(api: Api, function: Function, binding: Binding) -> None:
    ret = function.ret
    rtype = ret.type
    outs = binding.outs()
    params = [a for a in outs
              if a.kind in (ArgKind.OUT_PARAMS, ArgKind.OUT_PARAMS_ALLOC)]
    if params:
        if len(outs) != 1 or rtype != "int":
            raise _Unsupported("typed parameters together with other out-parameters")
        binding.errors = ErrorConvention.MINUS_ONE
        binding.ret_kind = ReturnKind.PARAMS
        return
    lists = [a for a in outs
             if a.kind in (ArgKind.OUT_NAMES, ArgKind.OUT_IDS, ArgKind.OUT_HANDLES)]
    if lists:
        if len(outs) != 1 or rtype != "int":
            raise _Unsupported("list together with other out-parameters")
        binding.errors = ErrorConvention.MINUS_ONE
        out = lists[0]
        binding.ret_kind = {ArgKind.OUT_NAMES: ReturnKind.NAMES,
                            ArgKind.OUT_IDS: ReturnKind.IDS,
                            ArgKind.OUT_HANDLES: ReturnKind.HANDLES}[out.kind]
        if out.kind == ArgKind.OUT_HANDLES:
            binding.ret_cls = out.cls
            binding.parent = names.parent_expression(binding.cls, out.cls)
        else:
            binding.count_function = _count_function(api, function)
        return
    if outs:
        if rtype != "int":
            raise _Unsupported("out-parameters with a '%s' return" % rtype)
        binding.errors = ErrorConvention.MINUS_ONE
        binding.ret_kind = ReturnKind.VALUE \
            if len(outs) == 1 and outs[0].kind != ArgKind.OUT_STRUCT else ReturnKind.LIST
        return
    if rtype == "void":
        binding.ret_kind = ReturnKind.VOID
    elif _base(rtype) in INT_TYPES:
        binding.ret_kind = ReturnKind.INT
        if function.name in RETURN_NONE_ON_NULL:
            binding.errors = ErrorConvention.NONE
            if rtype == "unsigned int":
                binding.ret_kind = ReturnKind.UINT_AS_INT   # libvirt-python shows -1
        elif function.name in ZERO_ON_ERROR:
            binding.errors = ErrorConvention.ZERO_WITH_ERROR
        elif rtype.startswith("unsigned"):
            binding.errors = ErrorConvention.MINUS_ONE_UNSIGNED
        else:
            binding.errors = ErrorConvention.MINUS_ONE
    elif rtype == "double":
        binding.ret_kind = ReturnKind.DOUBLE
    elif rtype == "const char *":
        binding.ret_kind = ReturnKind.STR
        binding.errors = ErrorConvention.NULL_IS_NONE \
            if function.name in RETURN_NONE_ON_NULL else ErrorConvention.NULL
    elif rtype == "char *":
        binding.ret_kind = ReturnKind.STR_FREE
        binding.errors = ErrorConvention.NULL_IS_NONE \
            if function.name in RETURN_NONE_ON_NULL else ErrorConvention.NULL
    elif names.handle_class(rtype) or _base(rtype) == "virConnectPtr":
        cls = names.handle_class(rtype)
        binding.ret_kind = ReturnKind.HANDLE
        binding.ret_cls = cls
        binding.parent = names.parent_expression(binding.cls, cls)
        parent_cls = PARENT_CLASS.get(cls, "virConnect")
        holders = [a.name for a in binding.args
                   if a.kind == ArgKind.HANDLE and a.cls == parent_cls]
        if holders:
            # An object made on another connection than self's (a migrated
            # domain on dconn) belongs to that connection.
            binding.parent = holders[0]
        elif binding.cls is None and binding.parent:
            binding.parent = "None"     # a module function with no parent
        binding.errors = ErrorConvention.NULL_IS_NONE \
            if function.name in RETURN_NONE_ON_NULL else ErrorConvention.NULL
    else:
        raise _Unsupported("return type '%s'" % rtype)


def _count_function(api: Api, function: Function) -> str:
    """The function that says how many names a list function will return."""
    name = function.name
    candidates = [name.replace("List", "NumOf", 1),
                  name.replace("ListNames", "Num", 1),
                  name.replace("List", "Num", 1).replace("Names", "")]
    for candidate in candidates:
        if candidate != name and candidate in api.functions:
            return candidate
    raise _Unsupported("no count function for a name list")


def module_constants(api: Api, pymodule: str) -> List[Tuple[str, Union[int, str]]]:
    """(name, value) of each constant of a Python module: its enum values,
    integer macros and string macros, each group sorted by name."""
    modules = {m for m, p in PY_MODULES.items() if p == pymodule}
    constants: List[Tuple[str, Union[int, str]]] = []
    # libvirt-python leaves out each enum's _LAST sentinel (its highest
    # value): it changes with every release that extends the enum.
    sentinels = set()
    for values in api.enum_types().values():
        highest = max(values, key=lambda v: (v.value, v.name))
        if highest.name.endswith("_LAST"):
            sentinels.add(highest.name)
    for name in sorted(api.enums):
        value = api.enums[name]
        if value.module in modules and name not in sentinels:
            constants.append((name, value.value))
    macros = macro_int_values(api)
    for name in sorted(macros):
        macro = api.macros[name]
        if macro.module in modules and name.startswith("VIR_") and name not in api.enums:
            constants.append((name, macros[name]))
    for name in sorted(api.macros):
        macro = api.macros[name]
        if macro.module in modules and macro.string is not None:
            constants.append((name, macro.string))
    return constants


def handwritten_result(function: Function) -> str:
    """The api-xml result of a hand-written function, its element type left
    out ('list[str]' -> 'list'): what libvirtmod's conversions follow."""
    result = function.pyreturn or ""
    return "list" if result.startswith("list[") else result


def libvirtmod_failure(function: Function, binding: Binding) -> Optional[str]:
    """Source text of what libvirtmod returns when the call fails (libvirt-
    python's C wrappers: -1 for ints, None for the rest, as its Python layer
    tests); None when the method never reports a failure."""
    if binding.status == Status.HANDWRITTEN:
        result = handwritten_result(function)
        if result == "int" or (result == "None" and function.ret.type == "int"):
            return "-1"
        return "None"
    if binding.errors == ErrorConvention.NONE:
        return None
    if binding.ret_kind.libvirtmod_int:
        return binding.errors.failure_int
    if binding.ret_kind == ReturnKind.VALUE:
        outs = binding.outs()
        if outs and outs[0].kind == ArgKind.OUT_INT \
                and function.name not in NONE_ON_FAILURE:
            return binding.errors.failure_int
    return "None"


def summary(api: Api) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for function in api.functions.values():
        status = function.binding.status if function.binding else "unannotated"
        counts[status] = counts.get(status, 0) + 1
    return counts


def functions_of(api: Api, pymodule: str, cls: Optional[str]) -> List[Function]:
    return sorted((f for f in api.functions.values()
                   if f.binding and f.binding.pymodule == pymodule
                   and f.binding.cls == cls), key=lambda f: f.binding.pyname)
