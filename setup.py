"""Build libvirt-cffi: generate the wrappers from the installed libvirt's API
XML and build the cffi module (API mode with headers and a compiler, ABI mode
otherwise or with LIBVIRT_CFFI_MODE=abi; LIBVIRT_CFFI_MODE=dlopen compiles
without libvirt's headers and loads libvirt at import)."""

import os
import sys

import setuptools
from setuptools import setup
from setuptools.command.build_py import build_py

# Older setuptools ignore pyproject.toml's [project] and [tool.setuptools]
# tables and would install an empty "UNKNOWN" distribution: refuse instead.
if int(setuptools.__version__.split(".")[0]) < 61:
    sys.exit("libvirt-cffi needs setuptools >= 61 to build (this is %s): "
             "pip install -U 'setuptools>=61'" % setuptools.__version__)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generator import build, emitters  # noqa: E402


class build_py_with_generated(build_py):
    """Also write the generated Python modules and the type stubs (PEP 561)
    into the built package."""

    def run(self):
        super().run()
        mode, _ = build.choose_mode()
        api = build.load()
        emitters.PythonEmitter(mode).write(api, self.build_lib)
        emitters.StubEmitter(mode).write(api, self.build_lib)


def wheel_options():
    """dlopen mode's extension depends on no libvirt and uses only the
    limited API (cffi defines Py_LIMITED_API): one cp39-abi3 wheel serves
    every CPython >= 3.9. API mode's is tied to the libvirt it was linked
    against, and PyPy has no abi3: their tags stay the interpreter's."""
    if os.environ.get(build.MODE_ENV, "").lower() == "dlopen" \
            and sys.implementation.name == "cpython":
        return {"bdist_wheel": {"py_limited_api": "cp39"}}
    return {}


setup(
    cffi_modules=["generator/ffi_builder.py:ffi"],
    cmdclass={"build_py": build_py_with_generated},
    options=wheel_options(),
)
