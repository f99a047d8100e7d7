"""Coverage gate: every function and enum value of the installed libvirt's
API (libvirt, libvirt-qemu, libvirt-lxc) is reachable from Python, except
what libvirt-python also leaves out, each with its reason. Read from the
installed XML, so a new libvirt release that this binding does not cover
fails here."""

import libvirt
import libvirt_lxc
import libvirt_qemu

# The model is conftest's session fixture "api".
MODULES = {"libvirt": libvirt, "libvirt_qemu": libvirt_qemu, "libvirt_lxc": libvirt_lxc}
COVERED = ("libvirt", "libvirt-qemu", "libvirt-lxc")


def _where(binding):
    module = MODULES[binding.pymodule]
    return getattr(module, binding.cls) if binding.cls else module


def test_every_function_is_reachable(api):
    unreachable, unexplained = [], []
    for function in sorted(api.functions.values(), key=lambda f: f.name):
        if function.module not in COVERED:
            continue
        b = function.binding
        if b.status == "absent":
            continue        # a newer libvirt's (test_mock_newer.py)
        if b.status == "omitted":
            if not b.reason:
                unexplained.append(function.name)
            continue
        if b.status not in ("generated", "handwritten") or \
                not callable(getattr(_where(b), b.pyname, None)):
            unreachable.append("%s -> %s.%s (%s)" % (
                function.name, b.cls or b.pymodule, b.pyname, b.status))
    assert not unreachable, "\n".join(unreachable)
    assert not unexplained


def test_every_enum_value_is_a_constant(api):
    missing = []
    for value in api.enums.values():
        if value.module not in COVERED:
            continue
        module = MODULES[value.module.replace("-", "_")]
        constant = getattr(module, value.name, None)
        # libvirt-python leaves out each enum's _LAST sentinel.
        if constant is None and not value.name.endswith("_LAST"):
            missing.append(value.name)
        elif constant is not None and constant != value.value:
            missing.append("%s = %r, not %r" % (value.name, constant, value.value))
    assert not missing, missing


def test_omissions_are_libvirt_pythons(api):
    # What the binding leaves out, with why: the same list as libvirt-python
    # (reference counting, parents, C-only helpers, error-function plumbing).
    omitted = {f.name: f.binding.reason for f in api.functions.values()
               if f.module in COVERED and f.binding.status == "omitted"}
    assert "virDomainRef" in omitted and "virTypedParamsAddInt" in omitted
    assert "virConnectGetLibVersion" not in omitted
    assert all(reason for reason in omitted.values())
