"""Build libvirt-cffi: generate the wrappers from libvirt's API description
(the installed libvirt's, or the one an sdist bundles: generator.sources) and
build the cffi module (API mode with headers and a compiler, dlopen mode with
a compiler alone, ABI mode otherwise; LIBVIRT_CFFI_MODE=api|dlopen|abi
insists)."""

import os
import sys

import setuptools
from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

# Older setuptools ignore pyproject.toml's [project] and [tool.setuptools]
# tables and would install an empty "UNKNOWN" distribution: refuse instead.
if int(setuptools.__version__.split(".")[0]) < 61:
    sys.exit("libvirt-cffi needs setuptools >= 61 to build (this is %s): "
             "pip install -U 'setuptools>=61'" % setuptools.__version__)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generator import build, emitters, sdist as sdist_rules  # noqa: E402


class build_py_with_generated(build_py):
    """Also write the generated Python modules and the type stubs (PEP 561)
    into the built package."""

    def run(self):
        super().run()
        mode, _ = build.choose_mode()
        api = build.load(mode=mode)
        emitters.PythonEmitter(mode).write(api, self.build_lib)
        emitters.StubEmitter(mode).write(api, self.build_lib)


class sdist_with_description(sdist):
    """Bundle libvirt's API description, and write the same bytes for the
    same tree (generator.sdist)."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        print("libvirt-cffi: bundling the API description %s"
              % sdist_rules.bundle_description(base_dir))

    def make_distribution(self):
        super().make_distribution()
        self.archive_files = [
            sdist_rules.normalize_tar_gz(archive) if archive.endswith(".tar.gz") else archive
            for archive in self.archive_files]


def wheel_options():
    """dlopen mode's extension depends on no libvirt, only on the C library,
    and uses only the limited API (cffi defines Py_LIMITED_API): on CPython
    one cp39-abi3 wheel serves every CPython >= 3.9, and on glibc the wheel
    is manylinux for the build machine's glibc and newer (PEP 600). API
    mode's is tied to the libvirt it was linked against, and PyPy has no
    abi3: their tags stay the interpreter's and the platform's."""
    if build.choose_mode()[0] != "dlopen":
        return {}
    options = {}
    if sys.implementation.name == "cpython":
        options["py_limited_api"] = "cp39"
    manylinux = manylinux_platform()
    if manylinux:
        options["plat_name"] = manylinux
    return {"bdist_wheel": options}


def manylinux_platform():
    """manylinux_<glibc major>_<minor>_<arch> of this machine, or None."""
    import platform
    libc = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else ""
    name, _, version = (libc or "").partition(" ")
    if name != "glibc" or not sys.platform.startswith("linux"):
        return None
    major, minor = version.split(".")[:2]
    return "manylinux_%s_%s_%s" % (major, minor, platform.machine())


setup(
    cffi_modules=["generator/ffi_builder.py:ffi"],
    cmdclass={"build_py": build_py_with_generated, "sdist": sdist_with_description},
    options=wheel_options(),
)
