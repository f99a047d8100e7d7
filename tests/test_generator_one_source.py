"""One source of truth for since-versions: the hand-written layer takes every
C function from the generated libvirt/_functions.py, which binds each with
the version the API XML gives it. No version is typed by hand."""

import ast
import fnmatch
import os
import sys

import pytest

import libvirt
import libvirt_cffi
import libvirt_lxc  # noqa: F401  (binds the hand-written qemu/lxc functions)
import libvirt_qemu  # noqa: F401
from libvirt import _core, _events, _functions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.append(ROOT)     # after site-packages: the built libvirt wins

from generator.build import load  # noqa: E402

TOP_LEVEL = ("libvirt_qemu.py", "libvirt_lxc.py", "libvirtaio.py", "libvirt_admin.py",
             "libvirt_cffi.py", "libvirtmod.py", "libvirtmod_qemu.py", "libvirtmod_lxc.py")

# 3-int tuples in the hand-written code that are not since-versions:
# (file, enclosing function, value) -> why.
NOT_VERSIONS = {
    ("libvirt/_core.py", "_runtime_version", (0, 0, 0)):
        "the loaded libvirt's version when virGetVersion fails, not a function's",
}

# Where a C function is taken without _functions, and why that is right.
RAW_BINDINGS = {
    "libvirt/_core.py": "the bootstrap: _functions stands on _core (free, "
                        "virGetLastError, virGetVersion, the releasers)",
    "libvirt/_libvirtmod_runtime.py": "freer() gets its versions from the "
                                      "generated _libvirtmod.py",
}


def _generated_patterns():
    # The generated modules are the ones .gitignore keeps out of the tree.
    with open(os.path.join(ROOT, ".gitignore")) as stream:
        return [line.strip() for line in stream
                if line.startswith("libvirt/") and line.strip().endswith(".py")]


def handwritten_files():
    patterns = _generated_patterns()
    package = sorted("libvirt/" + name for name in os.listdir(os.path.join(ROOT, "libvirt"))
                     if name.endswith(".py"))
    files = [path for path in package
             if not any(fnmatch.fnmatch(path, pattern) for pattern in patterns)]
    return files + [name for name in TOP_LEVEL if os.path.exists(os.path.join(ROOT, name))]


def _parse(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as stream:
        return ast.parse(stream.read(), path)


def version_literals(tree):
    """(enclosing function or None, value, line) of every tuple or list of
    exactly three int literals."""
    found = []

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if (isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) == 3
                and all(isinstance(e, ast.Constant) and type(e.value) is int
                        for e in node.elts)):
            found.append((function, tuple(e.value for e in node.elts), node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)
    visit(tree, None)
    return found


def raw_bindings(tree):
    """Lines that bind a C function other than through _functions:
    a call of _core.function(...) (or a helper around it, as the hand-written
    layer had), or library(...).virX."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "function"
                    or isinstance(func, ast.Name)
                    and func.id in ("_function", "_f", "_fn", "_required")):
                lines.append(node.lineno)
        if (isinstance(node, ast.Attribute) and node.attr.startswith("vir")
                and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "attr", None) == "library"):
            lines.append(node.lineno)
    return lines


def functions_named(tree):
    """The names taken statically from _functions (`_functions.virX`)."""
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "_functions" and node.attr.startswith("vir")}


@pytest.fixture(scope="module")
def api():
    return load()


def test_the_scanners_find_what_they_look_for():
    # Not vacuous: the forms the hand-written layer used to have are caught.
    tree = ast.parse('_x = _f("virA", (0, 9, 10))\n'
                     '_y = _core.function("libvirt", "virB", since=[1, 2, 3])\n'
                     '_z = _core.library("libvirt").virC\n'
                     'def g():\n    return (True, 2, 3), (1, 2), (1, 2, "3")\n')
    assert [(f, v) for f, v, _ in version_literals(tree)] == [(None, (0, 9, 10)),
                                                              (None, (1, 2, 3))]
    assert sorted(raw_bindings(tree)) == [1, 2, 3]
    files = handwritten_files()
    assert {"libvirt/_domain_cpu.py", "libvirt/_host_extra.py", "libvirt/_events.py",
            "libvirt/_core.py", "libvirtaio.py", "libvirt_cffi.py"} <= set(files)
    assert not any("_generated" in path or path.endswith("/_functions.py") for path in files)


def test_no_since_version_is_written_by_hand():
    typed = []
    allowed = set()
    for path in handwritten_files():
        for function, value, line in version_literals(_parse(path)):
            if (path, function, value) in NOT_VERSIONS:
                allowed.add((path, function, value))
            else:
                typed.append("%s:%d %r" % (path, line, value))
    assert typed == []
    assert allowed == set(NOT_VERSIONS)      # an allowlist entry that no longer applies goes


def test_c_functions_are_taken_from_the_generated_module():
    raw = {path: raw_bindings(_parse(path)) for path in handwritten_files()}
    raw = {path: lines for path, lines in raw.items() if lines and path not in RAW_BINDINGS}
    assert raw == {}


def _versioned(api):
    """The XML gives since-versions (libvirt 7.0's gives none)."""
    return any(f.version != (0, 0, 0) for f in api.functions.values())


def test_the_generated_versions_are_the_xmls(api):
    # None: described by api-xml for a newer libvirt than this XML
    assert _functions.FUNCTIONS == {name: (f.module, None if f.absent else tuple(f.version))
                                    for name, f in api.functions.items()}
    if not _versioned(api):
        # none is made up: every function is tried whatever libvirt is loaded
        assert {v for _, v in _functions.FUNCTIONS.values()} == {(0, 0, 0), None}
        return
    assert _functions.FUNCTIONS["virSecretRef"] == ("libvirt", (0, 7, 1))
    assert _functions.FUNCTIONS["virConnectOpenAuth"] == ("libvirt", (0, 4, 0))
    assert _functions.FUNCTIONS["virGetVersion"] == ("libvirt", (0, 0, 3))
    assert _functions.FUNCTIONS["virDomainQemuMonitorCommandWithFiles"] == (
        "libvirt-qemu", (8, 2, 0))


def test_every_function_the_handwritten_layer_uses_is_bound_from_the_model(api):
    used = {}
    for path in handwritten_files():
        for name in functions_named(_parse(path)):
            used.setdefault(name, path)
    assert len(used) > 80       # the hand-written layer's ~100 functions
    assert sorted(set(used) - set(api.functions)) == []
    # Bound at import, with the model's version (_core.function records them).
    for name in ("virDomainGetCPUStats", "virSecretGetValue", "virStreamRecvFlags",
                 "virEventAddHandle", "virTypedParamsFree", "virDomainLxcOpenNamespace"):
        assert name in used and name in _core.bound and name in vars(_functions)
    for name in ("virConnectSecretEventRegisterAny", "virConnectSecretEventDeregisterAny"):
        assert name in _core.bound and name in vars(_functions)   # named by _events.FAMILIES
    assert libvirt._domain_cpu._virDomainGetCPUStats is _functions.virDomainGetCPUStats
    assert _events.FAMILIES["virSecret"].register is _functions.virConnectSecretEventRegisterAny


@pytest.fixture
def old_libvirt(monkeypatch):
    """Binding as if the loaded libvirt were 0.7.0, without touching what the
    rest of the suite has bound."""
    monkeypatch.setattr(_core, "RUNTIME_VERSION", (0, 7, 0))
    monkeypatch.setattr(_core, "bound", {})
    for name in ("virSecretRef", "virConnectOpenAuth", "virDomainGetCPUStats"):
        # set first, so that undoing removes what the test binds
        monkeypatch.setitem(vars(_functions), name, None)
        monkeypatch.delitem(vars(_functions), name)
    monkeypatch.setattr(_events, "_lenders", {})


def test_a_function_newer_than_libvirt_raises_function_not_available(api, old_libvirt):
    if not _versioned(api):
        # nothing to compare with: bound, libvirt's symbols decide
        assert _functions.virDomainGetCPUStats is not None
        assert _core.bound["virDomainGetCPUStats"] is True
        return
    with pytest.raises(libvirt_cffi.FunctionNotAvailable, match=r"0\.9\.10"):
        _functions.virDomainGetCPUStats(_core.NULL)
    assert _core.bound["virDomainGetCPUStats"] is False
    assert libvirt_cffi.function_available("virDomainGetCPUStats") is False
    # 0.4.0 (the XML's; it was typed as 0.4.1) predates 0.7.0: really bound
    assert _functions.virConnectOpenAuth is not None
    assert _core.bound["virConnectOpenAuth"] is True


def test_lent_objects_take_their_ref_function_from_the_model(api, old_libvirt):
    # virSecretRef is 0.7.1 (it was bound as 0.6.0 like every *Ref).
    lend = _events._lend("virSecret")
    if not _versioned(api):
        assert _core.bound["virSecretRef"] is True
        return
    with pytest.raises(libvirt_cffi.FunctionNotAvailable, match=r"virSecretRef needs libvirt 0\.7\.1"):
        lend(None, _core.NULL)


def test_function_available_knows_every_function_of_the_model():
    assert libvirt_cffi.function_available("virSecretRef") is True
    assert libvirt_cffi.function_available("virNoSuchFunction") is False
    unbound = next(name for name, (module, _) in sorted(_functions.FUNCTIONS.items())
                   if module == "libvirt" and name not in _core.bound
                   and name not in vars(_functions))
    libvirt_cffi.function_available(unbound)
    assert unbound in _core.bound and unbound in vars(_functions)


def test_the_emitter_on_the_generators_fixture_api():
    from generator import emit_functions, emitters
    from generator.annotate import annotate
    from generator.parse import load_api
    model = load_api(files={"libvirt": os.path.join(ROOT, "tests", "fixtures", "mini-api.xml")},
                     project_dir=None)
    annotate(model)
    source = emitters.python_files(model, "abi")["_functions.py"]
    assert source == emit_functions.emit_functions(model)       # deterministic
    assert "    'virStoragePoolGetInfo': ('libvirt', (0, 4, 1)),\n" in source
    namespace = {"__name__": "libvirt._functions", "__package__": "libvirt"}
    exec(compile(source, "_functions.py", "exec"), namespace)
    assert namespace["FUNCTIONS"] == {name: (f.module, f.version)
                                      for name, f in model.functions.items()}
    assert list(namespace["FUNCTIONS"]) == sorted(model.functions)
