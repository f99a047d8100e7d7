"""Model -> libvirt/_functions.py: every C function of libvirt's API modules
with the libvirt version that introduced it (the XML's version attribute).

The hand-written layer takes its C functions from there, so no since-version
is typed by hand. Each is bound on first use (module __getattr__), not at
import: most are never used, and binding a libvirt-qemu, -lxc or -admin
function opens that library.
"""

from __future__ import annotations

from .model import Api

HEADER = '''\
"""Every C function of libvirt's API modules, bound on first use with the
libvirt version that introduced it (from libvirt {version}'s API XML):
`_functions.virDomainGetCPUStats` is the C function, or a stand-in raising
FunctionNotAvailable when the loaded libvirt predates it (_core.function).
Generated: do not edit, it is rebuilt from the model at every build."""

from . import _core

# C function -> (API module, libvirt version that introduced it; None for a
# newer libvirt's, which this XML lacks).
FUNCTIONS = {{
'''

FOOTER = '''\
}


def __getattr__(name):
    # Bound once, then a module global: later lookups never come here.
    try:
        module, since = FUNCTIONS[name]
    except KeyError:
        raise AttributeError("module %r has no attribute %r" % (__name__, name)) from None
    found = globals()[name] = _core.function(module, name, since)
    return found
'''


def emit_functions(api: Api) -> str:
    out = [HEADER.format(version=api.sources.get("libvirt", "?"))]
    for name in sorted(api.functions):
        f = api.functions[name]
        # None: a newer libvirt's, described by api-xml but not in this XML
        version = None if f.absent else tuple(f.version)
        out.append("    %r: (%r, %r),\n" % (name, f.module, version))
    out.append(FOOTER)
    return "".join(out)
