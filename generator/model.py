"""The typed model of libvirt's API: what the XML says, plus derived facts.

`parse` fills the plain description (everything libvirt's XML states);
`annotate` adds one `Binding` per function: every decision about how that
function reaches Python is recorded there, once, for all emitters.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


Version = Tuple[int, int, int]


def parse_version(text: Optional[str]) -> Version:
    """'1.2.14' -> (1, 2, 14); missing parts are 0."""
    if not text:
        return (0, 0, 0)
    parts = [int(p) for p in text.split(".")[:3]]
    while len(parts) < 3:
        parts.append(0)
    return (parts[0], parts[1], parts[2])


def version_str(version: Version) -> str:
    return "%d.%d.%d" % version


@dataclass
class Arg:
    name: str
    type: str            # the C type exactly as libvirt's XML spells it
    info: str = ""
    # api-xml only: the Python default of a hand-written function's argument
    default: Optional[str] = None


@dataclass
class Return:
    type: str
    info: str = ""


@dataclass
class Function:
    name: str
    module: str          # the API file it came from: libvirt, libvirt-qemu, ...
    file: str            # the header it belongs to (libvirt-storage, ...)
    version: Version
    ret: Return
    args: List[Arg]
    doc: str = ""
    # Set when the function is described by the project's api-xml/ rather
    # than by libvirt: the reason it is hand-written.
    handwritten: Optional[str] = None
    pyname: Optional[str] = None     # api-xml may name the Python function,
    cls: Optional[str] = None        # place it in a class,
    # and adjust a generated one's arguments: C name -> {pyname, default}
    adjust: Dict[str, Dict[str, str]] = field(default_factory=dict)
    # The Python result api-xml gives a hand-written function ('int', 'list',
    # 'virDomainPtr', 'None', ...); libvirtmod's failure value follows it.
    pyreturn: Optional[str] = None
    # The Python arguments api-xml gives a hand-written function.
    pyargs: Optional[List[Arg]] = None
    binding: Optional["Binding"] = None


@dataclass
class Callback:
    """A function type (`functype`): a callback signature."""
    name: str
    module: str
    file: str
    version: Version
    ret: Return
    args: List[Arg]
    doc: str = ""


@dataclass
class Field:
    name: str
    type: str            # may carry an array suffix: 'char field[NAME]'
    info: str = ""
    union: Optional[List["Field"]] = None   # set when type is 'union'


@dataclass
class Struct:
    name: str            # the typedef name users see (virDomainInfo)
    tag: str             # the C struct tag (_virDomainInfo)
    module: str
    file: str
    version: Version
    fields: Optional[List[Field]]   # None: opaque (a handle)
    doc: str = ""


@dataclass
class Typedef:
    name: str
    type: str            # 'enum' for enum typedefs, else the aliased C type
    module: str
    file: str
    version: Version
    doc: str = ""


@dataclass
class EnumValue:
    name: str
    enum: str            # the enum type it belongs to
    value: int
    module: str
    file: str
    version: Version
    doc: str = ""
    symbolic: Optional[str] = None   # set when the XML gave another name


@dataclass
class Variable:
    name: str
    type: str
    module: str
    file: str
    version: Version
    doc: str = ""


@dataclass
class Macro:
    name: str
    module: str
    file: str
    version: Version
    raw: Optional[str] = None
    string: Optional[str] = None
    params: Optional[str] = None
    doc: str = ""
    # A typed-parameter field name: the type its doc states (INT, ..., STRING;
    # generator/typed_params.py), whether it may be given several times, and
    # the reason when the type comes from the generator's table instead.
    typed_param: Optional[str] = None
    repeatable: bool = False
    typed_param_reason: Optional[str] = None


# --- derived facts (annotate.py) -------------------------------------------

@dataclass
class ArgBinding:
    """How one C argument is produced from Python."""
    name: str
    kind: str
    # kind is one of:
    #   self       - the owning object's handle
    #   int        - an integer, range-checked by the C type
    #   double
    #   str        - const char *; nullable=True lets None through as NULL
    #   handle     - another libvirt object (cls)
    #   uuid       - const unsigned char * of VIR_UUID_BUFLEN bytes
    #   out-struct - caller-allocated struct libvirt fills (ctype)
    #   out-int    - int * libvirt fills (ctype)
    #   out-uuid   - unsigned char * buffer of VIR_UUID_BUFLEN
    #   out-uuidstr- char * buffer of VIR_UUID_STRING_BUFLEN
    #   out-str    - char ** libvirt points at a string the caller frees
    #   out-names  - char ** array, its capacity in the next arg
    #   out-ids    - int * array, its capacity in the next arg
    #   capacity   - the capacity of the preceding array
    #   out-handles- virXxxPtr ** list libvirt allocates (cls)
    #   out-params - virTypedParameterPtr the caller sizes (count asked first)
    #   out-params-alloc - virTypedParameterPtr * libvirt allocates
    #   in-params  - a dict converted to virTypedParameter[] (types: getter)
    #   params-count - the element count of the typed parameter array
    ctype: str = ""
    cls: str = ""
    nullable: bool = False
    default: Optional[str] = None   # Python default, as source text
    c_name: str = ""                # the C argument's name (name is Python's)
    null_reason: str = ""           # why None is accepted or refused


@dataclass
class Binding:
    """Every decision about how one function reaches Python."""
    status: str          # generated | handwritten | pending | unsupported
    reason: str = ""
    pymodule: str = "libvirt"
    cls: Optional[str] = None        # owning class; None: module function
    pyname: str = ""
    args: List[ArgBinding] = field(default_factory=list)
    ret_kind: str = "void"
    # ret_kind is one of: void, int, double, str (const char *, libvirt keeps
    # it), str-free (char *, caller frees), handle, list (of out-params),
    # value (the single out-param), names, ids, handles, params (a dict)
    ret_cls: str = ""
    errors: str = "none"
    # errors is one of: none, minus-one, null, zero-with-error, null-is-none
    count_function: Optional[str] = None   # for names/ids lists
    types_function: Optional[str] = None   # typed-parameter setters: the getter
    parent: str = ""     # Python expression of the new object's parent
    releases_self: bool = False      # the call gives up the object's handle
    none_on_failure: bool = False    # libvirt's failure gives None, not an exception


@dataclass
class PyClass:
    """A Python class wrapping one kind of libvirt handle."""
    name: str            # virDomain
    pymodule: str
    base: str            # the runtime base class in libvirt/_objects.py
    free: Optional[str]  # the libvirt function releasing the handle
    parent: Optional[str]   # the class its objects are made from


@dataclass
class Api:
    """The whole model: every symbol of every API file read."""
    functions: Dict[str, Function] = field(default_factory=dict)
    callbacks: Dict[str, Callback] = field(default_factory=dict)
    structs: Dict[str, Struct] = field(default_factory=dict)
    typedefs: Dict[str, Typedef] = field(default_factory=dict)
    enums: Dict[str, EnumValue] = field(default_factory=dict)
    macros: Dict[str, Macro] = field(default_factory=dict)
    variables: Dict[str, Variable] = field(default_factory=dict)
    classes: Dict[str, PyClass] = field(default_factory=dict)
    # module name -> version of the XML it came from (LIBVIR_VERSION_NUMBER)
    sources: Dict[str, str] = field(default_factory=dict)

    def enum_types(self) -> Dict[str, List[EnumValue]]:
        grouped: Dict[str, List[EnumValue]] = {}
        for value in self.enums.values():
            grouped.setdefault(value.enum, []).append(value)
        return grouped

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
