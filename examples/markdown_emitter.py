"""An emitter written outside the generator: a Markdown API reference of the
Python binding, from the annotated model.

    python -m generator --emitter examples/markdown_emitter.py:MarkdownReference --output docs

It uses only the model: each function's binding (class, Python name, the
arguments a caller passes, status) and libvirt's own documentation and
since-versions.
"""

from typing import Dict, List, Tuple, cast

from generator.emitters import Emitter
from generator.model import Api, Binding, Function, version_str

class MarkdownReference(Emitter):
    name = "markdown"

    def emit(self, api: Api) -> Dict[str, str]:
        sections: Dict[Tuple[str, str], List[Function]] = {}
        for function in api.functions.values():
            b = function.binding
            if b is None or b.status not in ("generated", "handwritten"):
                continue
            owner = b.cls or b.pymodule
            sections.setdefault((b.pymodule, owner), []).append(function)
        lines = ["# Python API reference", "",
                 "Generated from libvirt %s's API description."
                 % api.sources.get("libvirt", "?"), ""]
        for (module, owner), functions in sorted(sections.items()):
            lines += ["## %s" % (owner if owner == module else "%s.%s" % (module, owner)), ""]
            for function in sorted(functions, key=lambda f: cast(Binding, f.binding).pyname):
                lines += self.entry(function)
        return {"api.md": "\n".join(lines) + "\n"}

    def entry(self, function: Function) -> List[str]:
        b = cast(Binding, function.binding)     # emit() passes bound functions
        if b.status == "generated":
            params = [a.name + ("=%s" % a.default if a.default is not None else "")
                      for a in b.python_args()]
        else:       # described in api-xml/, with its Python arguments
            params = [a.name for a in function.pyargs or []]
        summary = (function.doc or "").strip().split("\n\n")[0].replace("\n", " ")
        return ["### `%s(%s)`" % (b.pyname, ", ".join(params)), "",
                "C: `%s`, since libvirt %s%s." % (
                    function.name, version_str(function.version),
                    "" if b.status == "generated" else " (written by hand)"),
                "", summary, ""]
