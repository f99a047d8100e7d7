"""libvirt's API XML (the model the cdef is generated from) against libvirt's
installed C headers: every function, callback, struct, typedef, enum value,
macro and variable (tools/abi_check.py does the work and prints the same
report: python3 tools/abi_check.py).

Skipped where gcc, pkg-config or libvirt's headers are missing (an ABI-mode
machine); needs pycparser.
"""

import copy
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Appended, not prepended: the installed (built) libvirt package must win
# over the source tree's unbuilt one.
for path in (ROOT, os.path.join(ROOT, "tools")):
    if path not in sys.path:
        sys.path.append(path)

pytest.importorskip("pycparser")

import abi_check  # noqa: E402
from generator.model import Function, Return  # noqa: E402
from generator.parse import load_api, macro_int_values  # noqa: E402


@pytest.fixture(scope="module")
def api():
    return load_api()


@pytest.fixture(scope="module")
def headers(tmp_path_factory):
    try:
        pre = abi_check.preprocess(str(tmp_path_factory.mktemp("abi-headers")))
    except abi_check.ToolMissing as e:
        pytest.skip(str(e))
    return abi_check.header_side(pre)


def test_xml_agrees_with_headers(api, headers):
    mismatches = abi_check.compare(
        abi_check.model_side(api, macro_int_values(api)), headers)
    unexplained, known, _stale = abi_check.split_known(mismatches)
    # A new entry belongs in abi_check.KNOWN only with its explanation.
    assert not unexplained, "XML/header mismatches:\n" + "\n".join(map(str, unexplained))
    # Not vacuous: both sides were read.
    assert len(headers.functions) > 400 and len(headers.enums) > 800
    assert len(api.functions) > 400


def test_wrong_model_values_are_caught(api, headers):
    wrong = copy.deepcopy(api)
    wrong.functions["virDomainGetInfo"].args[1].type = "virDomainInfo **"
    wrong.functions["virDomainGetName"].ret.type = "char *"      # was const
    fields = wrong.structs["virDomainInfo"].fields
    fields[0], fields[1] = fields[1], fields[0]                  # field order
    label = wrong.structs["virSecurityLabel"].fields[0]
    label.type = label.type.replace("VIR_SECURITY_LABEL_BUFLEN",
                                    "VIR_SECURITY_MODEL_BUFLEN")  # array size
    wrong.macros["VIR_TYPED_PARAM_FIELD_LENGTH"].raw = "81"      # size via macro
    wrong.macros["VIR_DOMAIN_BANDWIDTH_IN_AVERAGE"].string = "inbound.avg"
    wrong.enums["VIR_DOMAIN_RUNNING"].value = 2
    wrong.enums["VIR_DOMAIN_PAUSED"].enum = "virDomainEventType"
    wrong.callbacks["virFreeCallback"].args[0].type = "int"
    wrong.typedefs["virSecurityLabelPtr"].type = "virSecurityLabel **"
    wrong.variables["virConnectAuthPtrDefault"].type = "virConnectAuth"
    wrong.functions["virNoSuchFunction"] = Function(
        "virNoSuchFunction", "libvirt", "libvirt-host", (1, 0, 0), Return("int"), [])
    del wrong.enums["VIR_DOMAIN_NOSTATE"]

    found = {m.key for m in abi_check.compare(
        abi_check.model_side(wrong, macro_int_values(wrong)), headers)}
    expected = {
        ("function", "virDomainGetInfo", "arg 2"),
        ("function", "virDomainGetName", "return"),
        ("struct", "virDomainInfo", "field 1"),
        ("struct", "virDomainInfo", "field 2"),
        ("struct", "virSecurityLabel", "field 1"),
        ("struct", "virTypedParameter", "field 1"),
        ("macro", "VIR_TYPED_PARAM_FIELD_LENGTH", "value"),
        ("macro", "VIR_DOMAIN_BANDWIDTH_IN_AVERAGE", "value"),
        ("enum", "VIR_DOMAIN_RUNNING", "value"),
        ("enum", "VIR_DOMAIN_PAUSED", "enum type"),
        ("callback", "virFreeCallback", "arg 1"),
        ("typedef", "virSecurityLabelPtr", "type"),
        ("variable", "virConnectAuthPtrDefault", "type"),
        ("function", "virNoSuchFunction", "missing in headers"),
        ("enum", "VIR_DOMAIN_NOSTATE", "missing in XML"),
    }
    assert expected <= found, expected - found


def test_spelling_is_normalised():
    texts = ["virXPtr", "virX *", "const virXPtr", "virX * const", "char ** const",
             "char * * const", "unsigned long long int", "long long unsigned",
             "const char *", "char const *", "char *", "unsigned", "unsigned int"]
    nodes = abi_check._parse_types(texts)
    canon = abi_check.Canon({"virXPtr": nodes["virX *"]}, {})
    same = lambda a, b: canon.of(nodes[a]) == canon.of(nodes[b])  # noqa: E731
    assert same("virXPtr", "virX *")
    assert same("const virXPtr", "virX * const")     # const binds to the pointer
    assert same("char ** const", "char * * const")
    assert same("unsigned long long int", "long long unsigned")
    assert same("const char *", "char const *")
    assert same("unsigned", "unsigned int")
    assert not same("const char *", "char *")
    assert not same("const virXPtr", "virX *")


def test_enumerator_expressions_are_evaluated():
    expr = abi_check.parse_expression("(A | B << 2) + 010 - 0x1 + (int)3U")
    assert abi_check.evaluate(expr, {"A": 1, "B": 2}) == (1 | 2 << 2) + 8 - 1 + 3
    assert abi_check.evaluate(abi_check.parse_expression("-7 / 2"), {}) == -3
