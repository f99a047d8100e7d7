"""None for a pointer argument: accepted exactly where libvirt takes NULL
(generator/nullability.py), refused elsewhere with libvirt's own error."""

import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.append(ROOT)     # after the installed binding: it must win
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.append(os.path.join(ROOT, "tools"))

import null_checks  # noqa: E402
from generator import nullability  # noqa: E402
from generator.annotate import annotate  # noqa: E402
from generator.model import parse_version  # noqa: E402
from generator.parse import load_api  # noqa: E402

import libvirt  # noqa: E402


@pytest.fixture(scope="module")
def model():
    api = load_api()
    annotate(api)
    return api


def _pointer_args(api):
    for function in api.functions.values():
        b = function.binding
        if b is None or b.status != "generated":
            continue
        for arg in b.args:
            if arg.kind in ("str", "handle"):
                yield function, arg


def test_every_pointer_argument_has_a_reason(model):
    args = list(_pointer_args(model))
    assert len(args) > 100
    for function, arg in args:
        assert arg.null_reason, (function.name, arg.c_name)


def test_a_default_of_none_accepts_none(model):
    for function, arg in _pointer_args(model):
        if arg.default == "None":
            assert arg.nullable, (function.name, arg.c_name)


def test_libvirt_checks_win_over_wording(model):
    # virDomainBlockRebase's text mentions NULL next to "disk" (it is about
    # "base"); libvirt always refuses a NULL disk.
    rebase = {a.c_name: a for a in model.functions["virDomainBlockRebase"].binding.args}
    assert rebase["disk"].nullable is False
    assert "check" in rebase["disk"].null_reason
    # base is checked only for a copy: documented, libvirt decides.
    assert rebase["base"].nullable is True


def test_tables_name_real_arguments_and_do_not_contradict_libvirt(model):
    checks = nullability.libvirt_checks()
    for table in (nullability.NULL_ACCEPTED, nullability.NULL_REFUSED):
        for (function, argument), reason in table.items():
            assert reason
            assert function in model.functions, function
            assert argument in [a.name for a in model.functions[function].args]
            # An argument libvirt checks needs no reasoning: its check decides.
            assert (function, argument) not in checks, (function, argument)


def test_checks_file_names_functions_of_the_api(model):
    checks = nullability.libvirt_checks()
    assert len(checks) > 500
    named = {f for f, _a in checks}
    read_from = re.search(r"libvirt (\d+\.\d+\.\d+)", nullability.CHECKS_FILE.read_text()).group(1)
    if parse_version(model.sources["libvirt"]) >= parse_version(read_from):
        assert named <= set(model.functions)
    else:
        # An older libvirt (7.0) lacks what came later, a few dozen functions.
        assert len(named - set(model.functions)) < len(named) / 10


SOURCE = """\
int
virDomainDoThing(virDomainPtr domain,
                 const char *name,
                 const char *base,
                 unsigned int flags)
{
    virCheckDomainReturn(domain, -1);
    virCheckReadOnlyGoto(domain->conn->flags, error);
    virCheckNonNullArgGoto(name, error);

    if (flags & 1)
        virCheckNonNullArgGoto(base, error);
    return 0;
 error:
    return -1;
}
"""


def test_the_scan_reads_checks_and_their_conditions(tmp_path):
    (tmp_path / "libvirt-domain.c").write_text(SOURCE)
    assert null_checks.scan(tmp_path) == {"virDomainDoThing": {
        "domain": "object", "name": "not-null", "base": "not-null-sometimes"}}


# --- the binding ---------------------------------------------------------------

def test_none_libvirt_accepts_reaches_libvirt(conn):
    # The test driver's answer, as libvirt-python gives it.
    assert conn.getMaxVcpus(None) == 32
    # The NULLs reach the driver: test:///default answers with its
    # capabilities in newer libvirt (11.3 does), 9.0 lacks the call.
    try:
        caps = conn.getDomainCapabilities(None, None, None, None)
    except libvirt.libvirtError as e:
        assert e.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT
    else:
        assert caps.startswith("<domainCapabilities")


def test_refused_none_is_libvirts_own_error(conn):
    with pytest.raises(libvirt.libvirtError) as ours:
        conn.lookupByName(None)
    assert isinstance(ours.value, TypeError)
    # libvirt's answer to the same NULL, called directly through cffi.
    from libvirt import _core
    assert not _core._libvirt.virDomainLookupByName(conn._o, _core.NULL)
    theirs = _core.last_error()
    assert ours.value.get_error_code() == theirs[0] == libvirt.VIR_ERR_INVALID_ARG
    assert str(ours.value) == theirs[2]
    assert ours.value.get_error_level() == theirs[3]
    assert ours.value.get_str1() == theirs[4] == "virDomainLookupByName"
    assert ours.value.get_str2() == theirs[5] == "name"
