"""Differential acceptance sweep (tools/acceptance_sweep.py): every public
callable of the reference binding (libvirt-python) x a battery of argument
lists, run in the reference and in the build under test (this interpreter),
outcomes compared by class.  Fails on any difference that is not one of the
deliberate ones of tools/acceptance_rules.py, and on any crash of ours.

The reference never runs in this interpreter: each binding has its own
worker process.  Its outcomes are cached, so the second build mode's run
only sweeps ours.
"""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import acceptance_sweep as sweep  # noqa: E402

# The reference interpreter is conftest's ref_python fixture.

# Lines of not-allowlisted differences quoted in a failure; the rest are
# in the --json output of the tool.
MAX_LISTED = 300


def _outcome_exc(name, *bases, code=None):
    out = {"exc": name, "mro": [name] + list(bases) + ["Exception", "BaseException", "object"]}
    if code is not None:
        out["code"] = code
    return out


def _case(callable_, vary, args):
    return {"c": callable_, "self": "dom", "names": ["flags"], "args": args,
            "vary": vary}


def test_compare_catches_differences():
    # A fabricated sweep: the comparison must flag what it is meant to
    # flag, or the sweep below could pass by never failing.
    flags_2_70 = _case("virDomain.suspend", ["flags", "int_2_70"], [["bat", "int_2_70"]])
    flags_none = _case("virDomain.suspend", ["flags", "none"], [["bat", "none"]])
    baseline = _case("virDomain.suspend", None, [["lit", 0]])
    lverr = _outcome_exc("libvirtError", code=55)
    both = _outcome_exc("libvirtOverflowError", "libvirtError", "OverflowError",
                        "ArithmeticError")
    cases = [baseline, flags_none, flags_2_70, flags_2_70, baseline, baseline]
    ref = [{"ok": "int"}, lverr, {"ok": "int"}, {"ok": "int"}, {"ok": "int"},
           {"ok": "list", "elem": "str"}]
    ours = [{"ok": "int"},                                     # same: no row
            _outcome_exc("TypeError"),                         # plain TypeError
            _outcome_exc("OverflowError", "ArithmeticError"),  # not a libvirtError
            both,                                              # deliberate
            {"crash": "SIGSEGV"},
            {"ok": "list", "elem": "int"}]
    diffs = sweep.compare(cases, ref, ours)
    rows = [(d["row"], d["allowed_by"]) for d in diffs]
    assert rows == [("ref_err_ours_type", None),
                    ("ref_ok_ours_raises", None),
                    ("ref_ok_ours_raises", "int-out-of-range"),
                    ("ours_crash", None),
                    ("both_ok_differ", None)]
    assert len(sweep.failures(diffs)) == 4
    assert "$dom.suspend(None)" in sweep.format_table(diffs)


def test_allowlist_rules_have_reasons():
    for rule in sweep.rules.ALLOWED:
        assert rule["reason"].strip(), rule["id"]


def test_acceptance_sweep(ref_python, capsys):
    cases, skipped, diffs, timings = sweep.run(sys.executable, ref_python)
    report = sweep.report(cases, skipped, diffs, timings).splitlines()
    table_end = report.index("differences not allowlisted: %d" % len(sweep.failures(diffs)))
    with capsys.disabled():
        # The table always shows in the suite's output, pass or fail.
        print("\n" + "\n".join(report[:table_end + 1]))
    bad = report[table_end + 1:]
    if bad:
        more = len(bad) - MAX_LISTED
        pytest.fail("\n".join(report[:table_end + 1] + bad[:MAX_LISTED]
                              + (["... %d more (python3 tools/acceptance_sweep.py "
                                  "--json OUT lists all)" % more] if more > 0 else [])),
                    pytrace=False)
