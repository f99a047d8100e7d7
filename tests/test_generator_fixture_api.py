"""The generator on a small API written for these tests (fixtures/api)."""

import os
import subprocess
import sys

import cffi
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Appended, not prepended: the installed (built) libvirt package must win
# over the source tree's unbuilt one.
if ROOT not in sys.path:
    sys.path.append(ROOT)

from generator import emit_cdef, emit_python  # noqa: E402
from generator.__main__ import report  # noqa: E402
from generator.annotate import annotate  # noqa: E402
from generator.parse import load_api, macro_int_values  # noqa: E402

# A small API in the shape of libvirt's XML, written for these tests.
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "mini-api.xml")


@pytest.fixture()
def api():
    model = load_api(files={"libvirt": FIXTURE}, project_dir=None)
    annotate(model)
    return model


def test_parse_reads_every_kind_of_symbol(api):
    assert api.sources == {"libvirt": "9.1.2"}
    assert api.functions["virStoragePoolGetInfo"].version == (0, 4, 1)
    assert [a.name for a in api.functions["virStoragePoolGetXMLDesc"].args] == ["pool", "flags"]
    info = api.structs["virStoragePoolInfo"]
    assert info.tag == "_virStoragePoolInfo"
    assert [f.name for f in info.fields] == ["state", "capacity", "label"]
    assert api.structs["virConnect"].fields is None          # opaque handle
    assert "virFreeCallback" in api.callbacks


def test_symbolic_enum_values_are_resolved(api):
    assert api.enums["VIR_POOL_ALIAS_ON"].value == 1
    assert api.enums["VIR_POOL_ALIAS_ON"].symbolic == "VIR_POOL_ON"


def test_integer_macros_are_evaluated(api):
    values = macro_int_values(api)
    assert values["VIR_UUID_BUFLEN"] == 16
    assert values["VIR_UUID_STRING_BUFLEN"] == 37
    assert values["VIR_LABEL_LEN"] == 5


def test_annotation_follows_libvirt_python_naming(api):
    b = api.functions["virStoragePoolGetInfo"].binding
    assert (b.cls, b.pyname, b.ret_kind, b.errors) == ("virStoragePool", "info", "list", "minus-one")
    b = api.functions["virStoragePoolLookupByName"].binding
    assert (b.cls, b.pyname, b.ret_kind, b.ret_cls, b.parent) == (
        "virConnect", "storagePoolLookupByName", "handle", "virStoragePool", "self")
    b = api.functions["virConnectOpen"].binding
    assert (b.cls, b.pyname, b.args[0].nullable, b.args[0].default) == (None, "open", True, "None")
    b = api.functions["virStoragePoolGetXMLDesc"].binding
    assert (b.pyname, b.ret_kind, b.args[1].default) == ("XMLDesc", "str-free", "0")
    assert api.functions["virStoragePoolRestore"].binding.args[1].name == "frm"
    assert api.functions["virStoragePoolFree"].binding.status == "omitted"
    assert api.functions["virConnectClose"].binding.releases_self


def test_unknown_type_is_left_out_and_reported(api, capsys):
    b = api.functions["virStoragePoolGetQuantumState"].binding
    assert b.status == "unsupported" and "virQuantumState" in b.reason
    cdef = emit_cdef.emit_cdef(api, (99, 0, 0))
    assert "virStoragePoolGetQuantumState" not in cdef
    cffi.FFI().cdef(cdef)             # still a valid declaration set
    report(api)
    out = capsys.readouterr().out
    assert "virStoragePoolGetQuantumState" in out and "unknown type virQuantumState" in out
    assert "1 left out" in out.splitlines()[-1]


def test_functions_newer_than_the_target_are_not_declared(api):
    assert "virStoragePoolGetFuture" not in emit_cdef.emit_cdef(api, (9, 1, 2))
    assert "virStoragePoolGetFuture" in emit_cdef.emit_cdef(api, (99, 0, 0))
    # The wrapper still exists; at run time it is bound with its version.
    module = emit_python.emit_module(api)
    assert "_function('libvirt', 'virStoragePoolGetFuture', (99, 0, 0))" in module


def test_emitted_code_compiles_and_cdef_parses(api):
    compile(emit_python.emit_module(api), "<generated>", "exec")
    ffi = cffi.FFI()
    ffi.cdef(emit_cdef.emit_cdef(api, (9, 1, 2)))
    assert ffi.sizeof("virStoragePoolInfo") >= 4 + 8 + 5
    assert ffi.typeof("virPoolState").kind == "enum"


def test_classes_name_their_public_module(api):
    module = emit_python.emit_module(api)
    assert api.classes
    for cls in api.classes.values():
        head = "class %s(" % cls.name
        assert head in module
        body = module.split(head, 1)[1].split("\n", 2)[1]
        assert body == "    __module__ = 'libvirt'"
    assert "_objects.own_inherited_methods(\n    " in module


def _emit_in_subprocess(seed: str) -> str:
    code = ("import sys; from generator.parse import load_api; "
            "from generator.annotate import annotate; "
            "from generator import emit_cdef, emit_python; "
            "api = load_api(files={'libvirt': sys.argv[1]}, project_dir=None); annotate(api); "
            "sys.stdout.write(emit_cdef.emit_cdef(api, (99, 0, 0)) + emit_python.emit_module(api))")
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return subprocess.run([sys.executable, "-c", code, FIXTURE], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True).stdout


def test_output_is_deterministic():
    first = _emit_in_subprocess("1")
    assert first == _emit_in_subprocess("2") == _emit_in_subprocess("3")
    assert "virStoragePoolGetInfo" in first


def test_installed_api_generates_a_valid_cdef():
    # Not a timing assertion: generating the real API must simply work.
    model = load_api()
    annotate(model)
    cffi.FFI().cdef(emit_cdef.emit_cdef(model, (9, 0, 0)))
    assert len(model.functions) > 500


def test_report_of_one_release(api, capsys):
    report(api, since=(99, 0, 0))
    out = capsys.readouterr().out
    assert "virStoragePoolGetFuture" in out and "virStoragePoolGetInfo" not in out
    assert out.splitlines()[-1].startswith("libvirt 99.0.0 added 2 functions:")


def test_model_json_export(api):
    from generator.export import SCHEMA, SCHEMA_VERSION, model_json
    import json
    text = model_json(api)
    assert text == model_json(api)                      # deterministic
    model = json.loads(text)
    assert (model["schema"], model["schema_version"]) == (SCHEMA, SCHEMA_VERSION)
    assert model["libvirt"] == {"libvirt": "9.1.2"}
    info = next(f for f in model["functions"] if f["name"] == "virStoragePoolGetInfo")
    assert [(a["name"], a["direction"], a["kind"]) for a in info["args"]] == [
        ("pool", "in", "self"), ("info", "out", "out-struct")]
    assert info["binding"]["class"] == "virStoragePool"
    assert info["binding"]["python_name"] == "info"
    xml = next(f for f in model["functions"] if f["name"] == "virStoragePoolGetXMLDesc")
    assert xml["returns"]["ownership"] == "caller"
    name = next(f for f in model["functions"] if f["name"] == "virStoragePoolGetName")
    assert name["returns"]["ownership"] == "library"
    alias = next(e for e in model["enums"] if e["name"] == "virPoolAlias")
    assert alias["values"] == [{"name": "VIR_POOL_ALIAS_ON", "value": 1, "since": "1.0.0",
                                "doc": "", "alias_of": "VIR_POOL_ON"}]
    assert {"name": "VIR_LABEL_LEN", "header": "libvirt-host", "since": "0.2.0",
            "value": 5} in model["macros"]


def test_emitter_interface_and_the_example_emitter(api, tmp_path):
    from generator import emitters
    assert emitters.load("cdef") is emitters.CdefEmitter
    assert "libvirt-model.json" in emitters.ModelJsonEmitter().emit(api)
    example = os.path.join(ROOT, "examples", "markdown_emitter.py")
    markdown = emitters.load(example + ":MarkdownReference")
    assert issubclass(markdown, emitters.Emitter)
    written = markdown().write(api, str(tmp_path))
    text = (tmp_path / "api.md").read_text()
    assert written == [str(tmp_path / "api.md")]
    assert "## libvirt.virStoragePool" in text
    assert "### `XMLDesc(flags=0)`" in text and "C: `virStoragePoolGetInfo`, since libvirt 0.4.1." in text
    with pytest.raises(ValueError):
        emitters.load("no-such-emitter")


def test_emitter_from_the_command_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "generator", "--api-dir", os.path.dirname(FIXTURE),
         "--emitter", "model-json", "--output", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True)
    # The fixture directory holds mini-api.xml, not libvirt-api.xml: the
    # generator says so instead of emitting anything.
    assert out.returncode != 0 and "libvirt-api.xml not found" in out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "generator", "--emitter", "model-json", "--output", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=True)
    assert (tmp_path / "libvirt-model.json").exists()


def test_typed_parameter_fields_from_their_descriptions(api):
    from generator import typed_params
    macros = api.macros
    assert (macros["VIR_MIGRATE_PARAM_URI"].typed_param, macros["VIR_MIGRATE_PARAM_URI"].repeatable) \
        == ("STRING", False)
    assert macros["VIR_MIGRATE_PARAM_DISKS_PORT"].typed_param == "INT"      # "Type is ..."
    assert macros["VIR_DOMAIN_BLOCK_COPY_BUF_SIZE"].typed_param == "ULLONG"  # in prose
    # Untyped by its description: the generator's table types it, with its reason.
    disks = macros["VIR_MIGRATE_PARAM_MIGRATE_DISKS"]
    assert (disks.typed_param, disks.repeatable) == ("STRING", True)
    assert disks.typed_param_reason == typed_params.UNDOCUMENTED[disks.name][1]
    # Untyped and in no table: left to the caller's Python value.
    future = macros["VIR_MIGRATE_PARAM_FUTURE"]
    assert (future.typed_param, future.typed_param_reason) == (None, None)
    assert macros["VIR_GREETING"].typed_param is None
    # Wording variants libvirt's descriptions use, and two types are none.
    for doc, kind in (("as VIR_TYPED_PARAMS_STRING.", "STRING"), ("as a uint.", "UINT"),
                      ("with a type of ullong.", "ULLONG"), ("as an llong.", "LLONG"),
                      ("Accepted type is VIR_TYPED_PARAM_INT.", "INT"),
                      # libvirt >= 9.3's poll_grow: two types, so the table decides
                      ("Accepted type is VIR_TYPED_PARAM_UINT or since 9.3.0 "
                       "VIR_TYPED_PARAM_ULLONG.", None),
                      ("the save file to restore from.", None)):
        assert typed_params.documented(doc)[0] == kind, doc
    assert typed_params.documented("The parameter may be specified multiple times.")[1]

    module = typed_params.emit_module(api)
    assert module == typed_params.emit_module(api)                   # deterministic
    namespace = {}
    exec(compile(module.replace("from ._typedparams import", "from libvirt._typedparams import"),
                 "_param_types.py", "exec"), namespace)
    from libvirt import _typedparams as tp
    assert namespace["MIGRATE"] == {"migrate_uri": tp.STRING, "disks_port": tp.INT,
                                    "migrate_disks": tp.STRING}
    assert namespace["BLOCK_COPY"] == {"buf-size": tp.ULLONG}
    assert namespace["SAVE"] == namespace["IDENTITY"] == {}
    assert "# untyped: VIR_MIGRATE_PARAM_FUTURE" in module
    assert '"migrate_disks": STRING,  # VIR_MIGRATE_PARAM_MIGRATE_DISKS, repeatable' in module


def test_kinds_statuses_and_conventions_are_declared(api):
    from generator.model import ArgKind, ErrorConvention, ReturnKind, Status
    for function in api.functions.values():
        b = function.binding
        assert type(b.status) is Status and type(b.ret_kind) is ReturnKind
        assert type(b.errors) is ErrorConvention
        for arg in b.args:
            assert type(arg.kind) is ArgKind
    # Each value is its string: comparisons and the JSON export see it.
    assert ArgKind.OUT_INT == "out-int" and ArgKind("out-int") is ArgKind.OUT_INT
    assert "%s %r" % (Status.OMITTED, ReturnKind.UINT_AS_INT) == "omitted 'uint-as-int'"
    assert [k.value for k in ArgKind if k.is_out] == [
        k.value for k in ArgKind if k.value.startswith("out-")]
    assert {k.value for k in ArgKind if k.visible} == {
        "int", "double", "str", "handle", "uuid", "in-params"}
    assert {s.value for s in Status if s.bound} == {"generated", "handwritten"}


def test_one_answer_to_which_arguments_python_sees(api):
    from generator.model import keep_trailing_defaults
    lookup = api.functions["virStoragePoolLookupByName"].binding
    assert [a.name for a in lookup.python_args()] == ["name"]
    assert [a.name for a in lookup.python_args(with_self=True)] == ["conn", "name"]
    info = api.functions["virStoragePoolGetInfo"].binding
    assert info.python_args() == [] and [a.name for a in info.outs()] == ["info"]
    xml = api.functions["virStoragePoolGetXMLDesc"].binding
    assert [(a.name, d) for a, d in xml.python_params()] == [("flags", "0")]
    # A default may only be followed by defaults.
    assert keep_trailing_defaults(["0", None, "None", "0"]) == [None, None, "None", "0"]


def test_typed_parameter_families_skip_value_constants_and_type_newer_fields(tmp_path):
    # libvirt 12.x: the image_format values share the family's prefix, and
    # two newer fields are described without a type (the table types them).
    from generator import typed_params
    xml = tmp_path / "libvirt-api.xml"
    xml.write_text("""<api name='libvirt'><symbols>
<macro name='VIR_DOMAIN_SAVE_PARAM_IMAGE_FORMAT' file='libvirt-domain' string='image_format'>
<info>an optional parameter used to specify the format of the save image.</info></macro>
<macro name='VIR_DOMAIN_SAVE_PARAM_IMAGE_FORMAT_RAW' file='libvirt-domain' string='raw'>
<info>raw uncompressed format for the save image</info></macro>
<macro name='VIR_MIGRATE_PARAM_BANDWIDTH_AVAIL_SWITCHOVER' file='libvirt-domain'
 string='bandwidth.avail.switchover'><info>the bandwidth (in MiB/s) available</info></macro>
<macro name='VIR_MIGRATE_PARAM_MIGRATE_DISKS_TARGET_ZERO' file='libvirt-domain'
 string='migrate_disks_target_zero'><info>virDomainMigrate* params multiple field: disks</info></macro>
</symbols></api>""")
    model = load_api(files={"libvirt": str(xml)}, project_dir=None)
    annotate(model)
    assert [m.string for m in typed_params.family_fields(model, "SAVE")] == ["image_format"]
    module = typed_params.emit_module(model)
    assert "untyped" not in module
    assert '"bandwidth.avail.switchover": ULLONG' in module
    assert '"migrate_disks_target_zero": STRING,  # VIR_MIGRATE_PARAM_MIGRATE_DISKS_TARGET_ZERO, repeatable' \
        in module
