"""Dump the public surface of some modules as JSON (run by surface_diff.py).

Runs inside the interpreter under test (``python -I _introspect.py MOD...``),
so it must stay standard-library only and self-contained.

Output: {module: {"error": str} | {"names": {name: entry}, "classes": {cls: {attr: entry}}}}
entry = {"kind": str, "imported": bool, ["value": const], ["sig": [...], "sig_str": str]}
"""

import importlib
import inspect
import json
import os
import sys
import sysconfig

CONST_TYPES = (bool, int, float, str, bytes, type(None))
_STDLIB = os.path.normcase(sysconfig.get_paths()["stdlib"])


def is_stdlib(modname):
    """True for names re-exported from the standard library (typing.Any, ...)."""
    root = modname.partition(".")[0]
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if names is not None:
        return root in names
    if root in sys.builtin_module_names:
        return True
    path = getattr(sys.modules.get(root), "__file__", None) or ""
    path = os.path.normcase(os.path.abspath(path))
    return path.startswith(_STDLIB) and "site-packages" not in path


def is_imported(obj):
    """Modules and stdlib objects are import noise, not binding API."""
    if inspect.ismodule(obj):
        return True
    if isinstance(obj, CONST_TYPES):
        return False
    mod = getattr(obj, "__module__", None)
    return isinstance(mod, str) and is_stdlib(mod)


def signature(func):
    """Parameters as [name, kind, default-repr or None]; annotations dropped
    because the reference has them and a generated binding may not."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None, None
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    plain = sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    rows = [[p.name, p.kind.name,
             None if p.default is inspect.Parameter.empty else repr(p.default)]
            for p in params]
    return rows, str(plain)


def describe(obj, raw=None):
    """Entry for one name. ``raw`` is the un-bound class attribute if any."""
    raw = obj if raw is None else raw
    if isinstance(raw, (staticmethod, classmethod)):
        kind, func = type(raw).__name__, raw.__func__
    elif isinstance(raw, property):
        kind, func = "property", None
    elif inspect.isclass(obj):
        # Constructor signature matters too (e.g. raise libvirtError("msg")).
        init = getattr(obj, "__init__", None)
        kind, func = "class", init if inspect.isfunction(init) else None
    elif inspect.isfunction(obj):
        kind, func = "function", obj
    elif inspect.isbuiltin(obj) or inspect.ismethoddescriptor(obj):
        kind, func = "builtin", obj
    elif callable(obj):
        kind, func = "callable", obj
    elif isinstance(obj, CONST_TYPES):
        kind, func = "const", None
    else:
        kind, func = type(obj).__name__, None
    entry = {"kind": kind, "imported": is_imported(obj)}
    if kind == "const":
        entry["value"] = obj if not isinstance(obj, bytes) else repr(obj)
    if func is not None:
        entry["pyfunc"] = inspect.isfunction(func)
        entry["sig"], entry["sig_str"] = signature(func)
    return entry


def class_surface(cls):
    out = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name)
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        entry = describe(getattr(cls, name), raw)
        # Exception.args, with_traceback, add_note(3.11+) come from builtins.
        entry["imported"] = owner is not None and owner.__module__ == "builtins"
        out[name] = entry
    return out


def module_surface(modname):
    try:
        mod = importlib.import_module(modname)
    except (Exception, SystemExit) as exc:  # report it: ours may not be complete yet
        return {"error": f"{type(exc).__name__}: {exc}"}
    names, classes = {}, {}
    for name in dir(mod):
        if name.startswith("_"):
            continue
        obj = getattr(mod, name)
        names[name] = describe(obj)
        if inspect.isclass(obj) and not names[name]["imported"]:
            classes[name] = class_surface(obj)
    return {"file": getattr(mod, "__file__", None), "names": names, "classes": classes}


if __name__ == "__main__":
    json.dump({m: module_surface(m) for m in sys.argv[1:]}, sys.stdout)
