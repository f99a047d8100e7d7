"""The emitter interface: how anything is generated from the model.

An emitter is a class with a `name` and an `emit(api)` that returns the
files it makes, {relative path: text}; it reads only the annotated model
(generator.model.Api, after generator.annotate.annotate). This project's own
outputs are emitters too, and any other can be run from the command line:

    python -m generator --emitter markdown_emitter:MarkdownReference --output DIR

where the part before the colon is an importable module (a file path ending
in .py works too) and the part after it the Emitter subclass.

This module uses generator.build (the mode's target libvirt version, the
cffi builder); build.py knows no emitter.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Dict, Optional

from . import (emit_cdef, emit_enums, emit_functions, emit_libvirtmod, emit_python,
               emit_stubs, export, typed_params)
from .build import choose_mode, load as load_model, make_ffi, target_version
from .model import Api


class Emitter:
    """Base class: subclass it, set `name`, implement `emit`."""

    name = "emitter"

    def __init__(self, mode: str = "api") -> None:
        self.mode = mode        # the build mode ("api", "abi", "dlopen") to emit for

    def emit(self, api: Api) -> Dict[str, str]:
        """{path relative to the output directory: file text}."""
        raise NotImplementedError

    def write(self, api: Api, directory: str) -> list:
        written = []
        for path, text in sorted(self.emit(api).items()):
            target = os.path.join(directory, path)
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            with open(target, "w", encoding="utf-8") as stream:
                stream.write(text)
            written.append(target)
        return written


def python_files(api: Api, mode: str) -> Dict[str, str]:
    """Generated module name (within libvirt/) -> its source."""
    info = [
        '"""How this copy of libvirt-cffi was built (generated)."""',
        "MODE = %r" % mode,
        "BUILT_FOR_LIBVIRT = %r" % (target_version(api, mode),),
        "SONAMES = %r" % (dict(sorted(emit_cdef.SONAMES.items())),),
    ]
    files = {"_generated.py": emit_python.emit_module(api, "libvirt"),
             "_build_info.py": "\n".join(info) + "\n",
             # the enum classes' table (made on first access: __init__.py)
             "_enums.py": emit_enums.emit_enum_table(api),
             # the typed-parameter tables of the setters without a getter
             "_param_types.py": typed_params.emit_module(api),
             # the C functions the hand-written modules call, with their versions
             "_functions.py": emit_functions.emit_functions(api)}
    # libvirt_qemu, libvirt_lxc and libvirt_admin (top-level modules) import these.
    for module, name in (("libvirt-qemu", "qemu"), ("libvirt-lxc", "lxc"),
                         ("libvirt-admin", "admin")):
        if module in api.sources:
            files["_generated_%s.py" % name] = emit_python.emit_module(
                api, "libvirt_" + name)
    # libvirt-python's low-level modules (libvirtmod, libvirtmod_qemu, _lxc).
    files.update(emit_libvirtmod.module_files(api))
    return files


class CdefEmitter(Emitter):
    """The cffi declarations every build mode uses."""

    name = "cdef"

    def emit(self, api):
        return {"libvirt-cdef.h": emit_cdef.emit_cdef(api, target_version(api, self.mode))}


class PythonEmitter(Emitter):
    """The generated modules of the libvirt package."""

    name = "python"

    def emit(self, api):
        return {os.path.join("libvirt", name): text
                for name, text in python_files(api, self.mode).items()}


class ModelJsonEmitter(Emitter):
    """The annotated model as JSON (schema in generator/export.py)."""

    name = "model-json"

    def emit(self, api):
        return {"libvirt-model.json": export.model_json(api)}


class StubEmitter(Emitter):
    """PEP 561 type stubs: libvirt/__init__.pyi, libvirt_qemu.pyi,
    libvirt_lxc.pyi, libvirt_admin.pyi, libvirtaio.pyi and libvirt/py.typed,
    relative to the directory the package is installed in."""

    name = "stubs"

    def emit(self, api):
        return emit_stubs.emit_stubs(api)


BUILTIN = {cls.name: cls for cls in (CdefEmitter, PythonEmitter, ModelJsonEmitter,
                                     StubEmitter)}


def load(spec: str):
    """An emitter class by built-in name, or 'module:Class' ('path.py:Class')."""
    if spec in BUILTIN:
        return BUILTIN[spec]
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        raise ValueError("emitter %r: use a built-in name (%s) or module:Class"
                         % (spec, ", ".join(sorted(BUILTIN))))
    if module_name.endswith(".py"):
        loader = importlib.util.spec_from_file_location(
            os.path.splitext(os.path.basename(module_name))[0], module_name)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    emitter = getattr(module, class_name)
    if not (isinstance(emitter, type) and issubclass(emitter, Emitter)):
        raise TypeError("%s is not a generator.emitters.Emitter subclass" % spec)
    return emitter


def build_inplace(mode: Optional[str] = None) -> str:
    """Generate and compile into the source tree's libvirt/ (for development)."""
    mode = mode or choose_mode()[0]
    api = load_model(mode=mode)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    PythonEmitter(mode).write(api, root)
    ffi = make_ffi(api, mode)
    ffi.compile(tmpdir=root, verbose=False)
    return mode
