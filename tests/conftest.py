"""Shared fixtures of the tests (see README.md, "How it is built").

conn, dom, pool and net are on libvirt's in-process mock driver
test:///default (no daemon): a running domain "test", an active dir pool "default-pool" and
an active network "default".  Connections open at the same time share one
instance; it starts fresh once every connection and child object is gone.

Deliberately no tests/__init__.py: with it, pytest would put the repository
root on sys.path and the repo's own libvirt/ could shadow the binding under
test.  By subject: test_generator_* the model and the generated code,
test_mock_* the binding on test:///default, test_daemon_* on a private
libvirtd (libvirtd, storage_conn), test_reference_* differential against
libvirt-python (REF_PYTHON, ref_python, run_reference), test_build_* the
package built and installed from the tree.
"""
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest

TEST_URI = "test:///default"
BAD_INPUT_FILE = "test_mock_bad_input.py"


# Set where an installed artifact is tested alone on test:///default
# (tools/check_dist.py), also on a machine with libvirt's runtime only: no
# libvirt-dev, no compiler, no daemon, so no reference binding (built from
# source), no libvirt-python sdist suite (it reads the installed API XML)
# and no private libvirtd. The tests that need them are deselected (counted
# in the summary), never skipped; scripts/test.sh runs them.
INSTALLED_ONLY_ENV = "LIBVIRT_CFFI_TESTS_INSTALLED_ONLY"
BEYOND_AN_INSTALLED_ARTIFACT = {"ref_python", "run_reference", "sdist_tests",
                                "upstream_tests", "libvirtd", "storage_conn"}


def pytest_collection_modifyitems(session, config, items):
    if os.environ.get(INSTALLED_ONLY_ENV):
        deselected = [item for item in items
                      if BEYOND_AN_INSTALLED_ARTIFACT & set(getattr(item, "fixturenames", ()))]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if item not in deselected]
    # Bad-input cases may kill the interpreter (they do on the reference);
    # run them last so a crash cannot hide the results of the other files.
    items.sort(key=lambda item:
               item.nodeid.split("::")[0].endswith(BAD_INPUT_FILE))


@pytest.fixture(autouse=True)
def _fresh_default_instance():
    # test:///default is ONE shared instance for as long as any connection
    # or child object is alive; it is only reset once all are freed.  pytest
    # keeps the last failure's traceback (sys.last_*), whose frames hold
    # such objects, so one failing test would leak its state into the next.
    cleared = False
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if getattr(sys, name, None) is not None:
            setattr(sys, name, None)
            cleared = True
    if cleared:
        gc.collect()  # frames and exceptions form reference cycles
    yield
    # What a test dropped may still be held by a reference cycle (a caught
    # exception's traceback and the test's frame, say), and PyPy frees
    # nothing before its GC runs: collect, so that the instance starts
    # fresh for the next test. (What a test proves released, it proves
    # without this.) The young generations hold what the test made.
    gc.collect(1 if sys.implementation.name == "cpython" else 2)


@pytest.fixture
def conn():
    """A read-write test:///default connection, closed afterwards."""
    # Imported here so that collecting tests that do not need the binding
    # (e.g. generator tests) works even when it cannot be imported.
    import libvirt
    c = libvirt.open(TEST_URI)
    yield c
    try:
        c.close()
    except libvirt.libvirtError:
        # The test already closed it; a second close is an error, not a bug.
        pass


@pytest.fixture
def dom(conn):
    return conn.lookupByName("test")


@pytest.fixture
def pool(conn):
    return conn.storagePoolLookupByName("default-pool")


@pytest.fixture
def net(conn):
    return conn.networkLookupByName("default")


def loaded_libvirt_version():
    """(major, minor, micro) of the libvirt.so this process loaded, read from
    its file name (libvirt.so.0.<major*1000+minor>.<micro>), so that it does
    not come from the binding, and needs no libvirt-dev (pkg-config)."""
    import libvirt  # noqa: F401  (loads libvirt.so.0)
    with open("/proc/self/maps") as maps:
        for line in maps:
            match = re.search(r"/libvirt\.so\.0\.(\d+)\.(\d+)$", line.strip())
            if match:
                number, micro = int(match.group(1)), int(match.group(2))
                return number // 1000, number % 1000, micro
    raise AssertionError("libvirt.so.0.* is not mapped into this process")


@pytest.fixture(scope="session")
def installed_libvirt_version():
    """The loaded libvirt's version as an int (major*1000000 + minor*1000 +
    micro), from its file name (loaded_libvirt_version)."""
    major, minor, micro = loaded_libvirt_version()
    return major * 1000000 + minor * 1000 + micro


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TOOLS_DIR = os.path.join(ROOT, "tools")
if _TOOLS_DIR not in sys.path:
    # tools/ is not a package and holds no "libvirt" that could shadow ours.
    sys.path.insert(0, _TOOLS_DIR)

import reference_env  # noqa: E402


# --- the model the generator builds from (generator/) ------------------------

@pytest.fixture(scope="session")
def api():
    """The API model of the description the build under test read
    (generator.sources chooses it as the build did: the installed libvirt's,
    or the one an sdist bundles), annotated; built once, shared read-only."""
    if ROOT not in sys.path:
        sys.path.append(ROOT)   # after site-packages: the built libvirt wins
    from generator import build
    from libvirt import _core
    return build.load(mode=_core.MODE)


# --- the reference binding (libvirt-python, tools/reference_env.py) ----------
# It installs a top-level "libvirt" too, so it only ever runs in a
# subprocess of its own venv: $LIBVIRT_REF_VENV, else <repo>/.venv-ref.

REF_PYTHON = str(reference_env.venv_python(reference_env.default_venv()))


def require_reference():
    """REF_PYTHON, or skip the test when the reference is not installed and
    $LIBVIRT_REF_VENV is unset; fail when it is set (scripts/test.sh built
    the reference and exported its path, so it must be usable)."""
    if not os.path.exists(REF_PYTHON):
        if os.environ.get(reference_env.ENV_VAR):
            pytest.fail("%s is set but %s does not exist"
                        % (reference_env.ENV_VAR, REF_PYTHON))
        pytest.skip("reference binding not installed (%s); run "
                    "tools/reference_env.py and set %s"
                    % (REF_PYTHON, reference_env.ENV_VAR))
    return REF_PYTHON


def run_in(python, code, *args, input=None, timeout=120, check=True):
    """Run ``python -I -c code args`` in a neutral cwd (a temp dir): neither
    this repository's libvirt/ nor anything on PYTHONPATH can be imported.
    Returns the CompletedProcess (text); asserts success if check."""
    proc = subprocess.run([str(python), "-I", "-c", code] + [str(a) for a in args],
                          input=input, capture_output=True, text=True,
                          timeout=timeout, cwd=tempfile.gettempdir())
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="session")
def ref_python():
    """The reference interpreter's path (see require_reference)."""
    return require_reference()


@pytest.fixture(scope="session")
def run_reference(ref_python):
    """run_reference(code, *args, input=None, timeout=120, check=True):
    run_in() the reference interpreter."""
    def run(code, *args, **kw):
        return run_in(ref_python, code, *args, **kw)
    return run


# --- private libvirtd (tools/private_libvirtd.py) --------------------------
# A real daemon with only the storage driver, isolated in a temp dir, for
# what test:///default lacks: pools built and deleted on disk, volume
# upload/download, a daemon that dies or restarts.


@pytest.fixture(scope="session")
def libvirtd():
    """A started PrivateLibvirtd shared by the session (storage driver only;
    URI in .uri, pool targets go under .workdir), stopped at the end."""
    import private_libvirtd
    reason = private_libvirtd.unavailable_reason()
    if reason:
        # Skip where libvirtd is not installed; one that fails is an error.
        pytest.skip("private libvirtd unavailable: %s" % reason)
    d = private_libvirtd.PrivateLibvirtd()
    try:
        d.start()
        yield d
    finally:
        d.stop()


@pytest.fixture
def storage_conn(libvirtd):
    """libvirt.open(libvirtd.uri), closed afterwards; pools the test left
    behind are destroyed and undefined, as tests share the daemon."""
    import libvirt
    if not libvirtd.is_running():
        libvirtd.restart()  # an earlier test killed the shared daemon
    c = libvirt.open(libvirtd.uri)
    before = set(c.listStoragePools()) | set(c.listDefinedStoragePools())
    yield c
    try:
        c.close()
    except libvirt.libvirtError:
        pass  # already closed by the test, or the daemon is gone
    if not libvirtd.is_running():
        return
    c = libvirt.open(libvirtd.uri)
    try:
        for p in c.listAllStoragePools(0):
            if p.name() in before:
                continue
            for step in (p.destroy, p.undefine):
                try:
                    step()
                except libvirt.libvirtError:
                    pass  # inactive or transient: nothing to undo
    finally:
        c.close()


# --- libvirt's default event loop --------------------------------------------
_event_loop_lock = threading.Lock()
_event_loop_started = []


@pytest.fixture(scope="session")
def event_loop():
    """libvirt's default event loop, run in a daemon thread. libvirt takes one
    event loop registration per process, so every test shares this one. Use
    it before opening a connection to a daemon: the remote driver only
    watches a connection (events, keepalive, close callback) if a loop
    exists when it opens."""
    import libvirt
    with _event_loop_lock:
        if not _event_loop_started:
            assert libvirt.virEventRegisterDefaultImpl() == 0

            def run():
                while True:
                    libvirt.virEventRunDefaultImpl()
            threading.Thread(target=run, name="libvirt-events", daemon=True).start()
            _event_loop_started.append(True)


def assert_refused(exc):
    """A bad argument the binding refused itself. It is a libvirtError
    (VIR_ERR_INVALID_ARG, as libvirt's own checks give), so programs that
    catch only libvirtError keep working; or a plain TypeError for a value
    no C argument of its kind takes (a str for an int), which libvirt-python
    also refuses before calling libvirt."""
    import libvirt
    if type(exc) is TypeError:
        return
    assert isinstance(exc, libvirt.libvirtError), repr(exc)
    assert exc.get_error_code() == libvirt.VIR_ERR_INVALID_ARG, exc.err
    assert exc.get_error_level() == libvirt.VIR_ERR_ERROR


@pytest.fixture(scope="session")
def clean_tree(tmp_path_factory):
    """The tracked files of the working tree (no venvs, no build output)."""
    tree = tmp_path_factory.mktemp("tree")
    listed = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(tree, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(tree, name))
    return str(tree)
