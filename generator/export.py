"""The annotated model as JSON, for other languages' bindings and tools.

Schema "libvirt-cffi-model", version 1 (a new major version on any change
that removes or renames a key; new keys may appear within a version):

  schema, schema_version
  libvirt              {API module: version of its XML}, e.g. {"libvirt": "9.0.0"}
  functions[]          name, module, header, since, doc,
                       returns {c_type, doc, ownership},
                       args[] {name, c_type, doc, direction, nullable, nullable_because,
                               python_name, kind},
                       binding {status, reason, python_module, class, python_name,
                                result, errors, count_function, types_function,
                                none_on_failure}
  callbacks[]          name, module, header, since, doc, returns {c_type}, args[] {name, c_type}
  structs[]            name, tag, header, since, opaque, fields[] {name, c_type, doc, union}
  typedefs[]           name, c_type ("enum" for enum types), header, since
  enums[]              name (the enum type), values[] {name, value, since, doc, alias_of}
  macros[]             name, header, since, value (int or str) or raw; a string
                       one also typed_param (its typed-parameter type, INT ...
                       STRING, or null) and repeatable
  classes[]            name, python_module, free_function, parent

direction: "in", "out" (the library writes it) or "inout". ownership of a
result: "caller" (free it: a string with free(), an object with its free
function), "library" (do not free) or null (a value). errors: the error
convention; status, result, errors and each argument's kind are the values
of generator.model's Status, ReturnKind, ErrorConvention and ArgKind.
"""

from __future__ import annotations

import json

from .annotate import event_callback_types
from .model import Api, ArgKind, version_str
from .parse import macro_int_values

SCHEMA = "libvirt-cffi-model"
SCHEMA_VERSION = 1


def _ownership(c_type: str):
    base = c_type.replace("const", "").strip()
    if c_type.startswith("const") and base.endswith("*"):
        return "library"
    if base.endswith("*") or base.endswith("Ptr"):
        return "caller"
    return None


def _direction(kind: ArgKind, c_type: str) -> str:
    if kind.is_out:
        return "out"
    if kind == ArgKind.PARAMS_COUNT and c_type.endswith("*"):
        return "inout"
    return "in"


def _function(api: Api, function) -> dict:
    b = function.binding
    # One binding argument per C argument, in order (none when not bound).
    by_position = list(b.args) if b is not None else []
    args = []
    for position, arg in enumerate(function.args):
        kind = by_position[position] if position < len(by_position) else None
        args.append({
            "name": arg.name, "c_type": arg.type, "doc": arg.info,
            "direction": _direction(kind.kind, arg.type) if kind else None,
            "nullable": kind.nullable if kind else None,
            "nullable_because": kind.null_reason or None if kind else None,
            "python_name": kind.name if kind else None,
            "kind": kind.kind if kind else None,
        })
    return {
        "name": function.name, "module": function.module, "header": function.file,
        "since": version_str(function.version), "doc": function.doc,
        "returns": {"c_type": function.ret.type, "doc": function.ret.info,
                    "ownership": _ownership(function.ret.type)},
        "args": args,
        "binding": None if b is None else {
            "status": b.status, "reason": b.reason or None,
            "python_module": b.pymodule, "class": b.cls,
            "python_name": b.pyname or None, "result": b.ret_kind,
            "errors": b.errors, "count_function": b.count_function,
            "types_function": b.types_function,
            "types_family": b.types_family,
            "none_on_failure": b.none_on_failure,
        },
    }


def _fields(fields):
    return [{"name": f.name, "c_type": f.type, "doc": f.info,
             "union": _fields(f.union) if f.union is not None else None}
            for f in fields]


def model_dict(api: Api) -> dict:
    macros = macro_int_values(api)
    enum_types = api.enum_types()
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "libvirt": dict(sorted(api.sources.items())),
        "functions": [_function(api, api.functions[name]) for name in sorted(api.functions)
                      if api.functions[name].file != "python"],
        "callbacks": [{"name": cb.name, "module": cb.module, "header": cb.file,
                       "since": version_str(cb.version), "doc": cb.doc,
                       "returns": {"c_type": cb.ret.type},
                       "args": [{"name": a.name, "c_type": a.type} for a in cb.args]}
                      for cb in (api.callbacks[n] for n in sorted(api.callbacks))],
        "event_callbacks": event_callback_types(api),
        "structs": [{"name": s.name, "tag": s.tag, "header": s.file,
                     "since": version_str(s.version), "opaque": s.fields is None,
                     "fields": _fields(s.fields) if s.fields else []}
                    for s in (api.structs[n] for n in sorted(api.structs))],
        "typedefs": [{"name": t.name, "c_type": t.type, "header": t.file,
                      "since": version_str(t.version)}
                     for t in (api.typedefs[n] for n in sorted(api.typedefs))],
        "enums": [{"name": enum, "values": [
            {"name": v.name, "value": v.value, "since": version_str(v.version),
             "doc": v.doc, "alias_of": v.symbolic}
            for v in sorted(values, key=lambda v: (v.value, v.name))]}
            for enum, values in sorted(enum_types.items())],
        "macros": [dict({"name": m.name, "header": m.file, "since": version_str(m.version)},
                        **({"value": macros[m.name]} if m.name in macros else
                           {"value": m.string, "typed_param": m.typed_param,
                            "repeatable": m.repeatable} if m.string is not None else
                           {"raw": m.raw}))
                   for m in (api.macros[n] for n in sorted(api.macros))],
        "classes": [{"name": c.name, "python_module": c.pymodule,
                     "free_function": c.free, "parent": c.parent}
                    for c in api.classes.values()],
    }


def model_json(api: Api) -> str:
    return json.dumps(model_dict(api), indent=1, sort_keys=False) + "\n"
