"""The type stubs (PEP 561) the build installs, and the enum classes.

* every public name of libvirt, libvirt_qemu, libvirt_lxc, libvirt_admin and
  libvirtaio (and of each of their classes) has a stub, and every stub names
  something that exists, with the runtime's parameters and defaults;
* mypy --strict accepts examples/ and the client programs in tests/typing/
  (skipped when mypy is not installed), which also run against the mock
  driver;
* libvirt.virDomainState(1).name == "VIR_DOMAIN_RUNNING", flag types are
  enum.IntFlag, and the classes stay out of dir(libvirt).
"""

import __future__
import ast
import enum
import importlib
import inspect
import os
import subprocess
import sys
import tempfile

import pytest

import libvirt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPING_DIR = os.path.join(ROOT, "tests", "typing")
MODULES = ["libvirt", "libvirt_qemu", "libvirt_lxc", "libvirt_admin", "libvirtaio"]


def _stub_path(module):
    path = module.__file__
    if os.path.basename(path) == "__init__.py":
        return os.path.join(os.path.dirname(path), "__init__.pyi")
    return os.path.splitext(path)[0] + ".pyi"


class Stub:
    """The names a .pyi declares: module level and per class, with the
    parameters of each function ([(name, has default)])."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as stream:
            self.tree = ast.parse(stream.read(), path)
        self.names = {}          # name -> node
        self.classes = {}        # class -> {name: node}
        for node in self.tree.body:
            for name in self._declared(node):
                self.names[name] = node
            if isinstance(node, ast.ClassDef):
                members = {}
                for item in node.body:
                    for name in self._declared(item):
                        members[name] = item
                self.classes[node.name] = members

    @staticmethod
    def _declared(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [node.name]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            return [node.target.id]
        if isinstance(node, ast.Assign):
            return [t.id for t in node.targets if isinstance(t, ast.Name)]
        if isinstance(node, ast.ImportFrom):     # explicit re-exports only
            return [a.asname for a in node.names if a.asname and a.asname == a.name]
        return []


def _is_public_value(module, name):
    """A public name of the module's own API: not an imported module,
    typing helper or __future__ feature."""
    if name.startswith("_"):
        return False
    value = getattr(module, name)
    if inspect.ismodule(value) or isinstance(value, __future__._Feature):
        return False
    return getattr(value, "__module__", None) not in ("typing", "typing_extensions")


@pytest.fixture(scope="module", params=MODULES)
def module_and_stub(request):
    module = importlib.import_module(request.param)
    path = _stub_path(module)
    assert os.path.exists(path), "no stub installed beside %s" % module.__file__
    return module, Stub(path)


def test_py_typed_and_stub_packages_are_installed():
    package = os.path.dirname(libvirt.__file__)
    assert os.path.exists(os.path.join(package, "py.typed"))
    site = os.path.dirname(package)
    for name in MODULES[1:]:
        # mypy reads a single-file module's stubs from <module>-stubs/ only
        assert os.path.exists(os.path.join(site, name + "-stubs", "__init__.pyi")), name


def test_every_public_name_has_a_stub(module_and_stub):
    module, stub = module_and_stub
    missing = [name for name in dir(module)
               if _is_public_value(module, name) and name not in stub.names]
    assert not missing, "%s: no stub for %s" % (module.__name__, missing)


def test_every_stub_names_something(module_and_stub):
    module, stub = module_and_stub
    phantom = [name for name in stub.names
               if not name.startswith("_") and not hasattr(module, name)]
    assert not phantom, "%s: stubs of missing names %s" % (module.__name__, phantom)


def _runtime_classes(module):
    for name in dir(module):
        value = getattr(module, name)
        if _is_public_value(module, name) and isinstance(value, type):
            yield name, value


def test_every_class_member_has_a_stub(module_and_stub):
    module, stub = module_and_stub
    missing = []
    for name, cls in _runtime_classes(module):
        if isinstance(stub.names.get(name), ast.ImportFrom):
            continue        # re-exported: checked in its own module's stub
        members = stub.classes.get(name)
        assert members is not None, "%s.%s has no class stub" % (module.__name__, name)
        inherited = set(dir(Exception if issubclass(cls, Exception) else object))
        for attr in dir(cls):
            if attr.startswith("_") or attr in inherited:
                continue
            if attr not in members:
                missing.append("%s.%s" % (name, attr))
        # (an annotation without a value declares an instance attribute)
        phantom = [attr for attr, node in members.items()
                   if not attr.startswith("_") and not hasattr(cls, attr)
                   and not (isinstance(node, ast.AnnAssign) and node.value is None)]
        assert not phantom, "%s.%s: stubs of missing members %s" % (
            module.__name__, name, phantom)
    assert not missing, "%s: no stub for %s" % (module.__name__, missing)


def _stub_parameters(node):
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [False] * (len(positional) - len(args.defaults)) + [True] * len(args.defaults)
    return [(a.arg, d) for a, d in zip(positional, defaults)]


def _runtime_parameters(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None
    return [(p.name, p.default is not p.empty) for p in params]


def test_signatures_match_the_runtime(module_and_stub):
    """Parameter names and which have defaults: catches an api-xml
    description that disagrees with the hand-written function."""
    module, stub = module_and_stub
    wrong = []

    def compare(where, runtime, node):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        if any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list):
            return
        expected = _runtime_parameters(runtime)
        if expected is not None and expected != _stub_parameters(node):
            wrong.append("%s: runtime %s, stub %s" % (where, expected, _stub_parameters(node)))

    for name, node in stub.names.items():
        if not name.startswith("_") and callable(getattr(module, name, None)) \
                and not isinstance(getattr(module, name), type):
            compare(name, getattr(module, name), node)
    for name, cls in _runtime_classes(module):
        for attr, node in stub.classes.get(name, {}).items():
            if not attr.startswith("_") and hasattr(cls, attr):
                compare("%s.%s" % (name, attr), getattr(cls, attr), node)
    assert not wrong, "\n".join(wrong)


def test_stub_enum_classes_match_the_runtime(module_and_stub):
    module, stub = module_and_stub
    for name, node in stub.names.items():
        if not (isinstance(node, ast.ClassDef) and node.bases
                and getattr(node.bases[0], "id", "") in ("IntEnum", "IntFlag")):
            continue
        cls = getattr(module, name)
        declared = {item.targets[0].id: ast.literal_eval(item.value)
                    for item in node.body if isinstance(item, ast.Assign)}
        assert {m: getattr(cls, m).value for m in declared} == declared, name
        assert issubclass(cls, enum.IntFlag) == (node.bases[0].id == "IntFlag"), name
        for member, value in declared.items():
            assert getattr(module, member) == value      # the int constant


# --- enum classes ---------------------------------------------------------------------

def test_enum_class_names_the_state():
    assert libvirt.virDomainState(1).name == "VIR_DOMAIN_RUNNING"
    assert libvirt.virDomainState(libvirt.VIR_DOMAIN_PAUSED) is \
        libvirt.virDomainState.VIR_DOMAIN_PAUSED
    assert issubclass(libvirt.virDomainState, enum.IntEnum)
    assert not issubclass(libvirt.virDomainState, enum.IntFlag)
    assert libvirt.virDomainState.VIR_DOMAIN_RUNNING == 1
    assert libvirt.virDomainState is libvirt.virDomainState      # made once
    # the constants stay plain ints (libvirt-python's)
    assert type(libvirt.VIR_DOMAIN_RUNNING) is int


def test_enum_class_of_flags_combines():
    flags = libvirt.virConnectListAllDomainsFlags
    assert issubclass(flags, enum.IntFlag)
    combined = flags.VIR_CONNECT_LIST_DOMAINS_ACTIVE | flags.VIR_CONNECT_LIST_DOMAINS_PERSISTENT
    assert isinstance(combined, flags)
    assert combined == libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE | \
        libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT
    assert flags.VIR_CONNECT_LIST_DOMAINS_ACTIVE in combined
    assert issubclass(libvirt.virDomainModificationImpact, enum.IntFlag)


def test_enum_classes_in_calls(conn):
    dom = conn.lookupByName("test")
    state, _reason = dom.state()
    assert libvirt.virDomainState(state) is libvirt.virDomainState.VIR_DOMAIN_RUNNING
    # an IntFlag passes wherever libvirt takes flags
    active = libvirt.virConnectListAllDomainsFlags.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    assert [d.name() for d in conn.listAllDomains(active)] == ["test"]


def test_enum_classes_stay_out_of_dir():
    libvirt.virDomainState       # noqa: B018 (made)
    assert "virDomainState" not in dir(libvirt)
    assert "virDomainState" not in vars(libvirt)
    with pytest.raises(AttributeError):
        libvirt.virNoSuchEnumType      # noqa: B018


def test_enum_classes_of_the_other_modules():
    import libvirt_admin
    import libvirt_qemu
    flags = libvirt_qemu.virDomainQemuMonitorCommandFlags
    assert flags(libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP).name == \
        "VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP"
    assert libvirt_admin.virClientTransport(0).name == "VIR_CLIENT_TRANS_UNIX"
    with pytest.raises(AttributeError):
        libvirt_qemu.virDomainState      # noqa: B018 (the main module's)


# --- mypy ----------------------------------------------------------------------------------

# mypy does not run under PyPy (it needs its compiled librt): there a
# CPython's mypy (scripts/setup.sh makes .venv-pypy-mypy) checks the
# programs against the PyPy build's stubs, found through --python-executable.
MYPY_PYTHON = os.environ.get("LIBVIRT_CFFI_MYPY_PYTHON",
                             os.path.join(ROOT, ".venv-pypy-mypy", "bin", "python"))


def _mypy_command():
    if sys.implementation.name == "cpython":
        pytest.importorskip("mypy", reason="mypy is not installed (scripts/setup.sh installs it)")
        return [sys.executable, "-m", "mypy"]
    if not os.path.exists(MYPY_PYTHON):
        pytest.fail("no CPython with mypy at %s (PYTHON=%s bash scripts/setup.sh makes it; "
                    "or set LIBVIRT_CFFI_MYPY_PYTHON)" % (MYPY_PYTHON, sys.executable))
    return [MYPY_PYTHON, "-m", "mypy", "--python-executable", sys.executable]


def _mypy(files, env=None, extra=()):
    command = _mypy_command()
    with tempfile.TemporaryDirectory() as cache:
        # Run outside the repository: mypy searches the current directory
        # first, and the source tree's libvirt/ (no stubs) would shadow the
        # installed package.
        result = subprocess.run(
            [*command, "--strict", "--no-error-summary",
             "--cache-dir", cache, *extra, *files],
            cwd=cache, capture_output=True, text=True, env=env, timeout=600)
    return result


def _typing_programs():
    return sorted(os.path.join(TYPING_DIR, name) for name in os.listdir(TYPING_DIR)
                  if name.endswith(".py"))


def test_mypy_strict_on_client_programs():
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    files = [os.path.join(ROOT, "examples", "pool_lifecycle.py")] + _typing_programs()
    result = _mypy(files, env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_emitter_example():
    # It imports the generator from the source tree (which is not typed
    # under --strict itself: its errors are not this example's).
    env = dict(os.environ, MYPYPATH=ROOT)
    result = _mypy([os.path.join(ROOT, "examples", "markdown_emitter.py")], env,
                   ["--follow-imports=silent"])
    assert result.returncode == 0, result.stdout + result.stderr


WRONG_EVENT_CALLBACKS = """\
import libvirt


def lifecycle(conn: libvirt.virConnect, dom: libvirt.virDomain, event: str,
              detail: int, opaque: None) -> None: ...


def tray(conn: libvirt.virConnect, dom: libvirt.virDomain, opaque: None) -> None: ...


def main(conn: libvirt.virConnect) -> None:
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, tray, None)
    # an ID computed: the untyped form, given as the enum class; a plain int
    # matches no form
    conn.domainEventRegisterAny(None, libvirt.virDomainEventID(int("0")), tray, None)
    conn.domainEventRegisterAny(None, int("0"), tray, None)
"""


def test_mypy_knows_each_events_callback(tmp_path):
    # Each event ID has its overload, its callback typed by the C callback
    # type libvirt calls for it: the wrong arguments are found.
    program = tmp_path / "wrong_events.py"
    program.write_text(WRONG_EVENT_CALLBACKS)
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    result = _mypy([str(program)], env)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["12", "13", "17"], result.stdout
    assert all("domainEventRegisterAny" in line for line in errors), result.stdout


@pytest.mark.parametrize("program", ["connect_and_domains.py", "pool_lifecycle_typed.py",
                                     "events_and_params.py", "streams.py"])
def test_client_programs_run(program):
    """The type-checked programs also work: the stubs describe what runs."""
    result = subprocess.run([sys.executable, os.path.join(TYPING_DIR, program)],
                            capture_output=True, text=True, timeout=120,
                            cwd=tempfile.gettempdir())
    assert result.returncode == 0, result.stdout + result.stderr
