"""The typed model of libvirt's API: what the XML says, plus derived facts.

`parse` fills the plain description (everything libvirt's XML states);
`annotate` adds one `Binding` per function: every decision about how that
function reaches Python is recorded there, once, for all emitters.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
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
    # A libvirt function api-xml describes that this libvirt's XML lacks (a
    # newer release's): Python leaves its method out, as libvirt-python does.
    absent: bool = False
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

class _Declared(str, Enum):
    """A declared value of the model: a str (the JSON export and string
    comparisons see its value) whose member carries its properties."""

    def __new__(cls, value: str, *properties):
        member = str.__new__(cls, value)
        member._value_ = value      # the properties: each class's __init__
        return member

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return repr(self.value)


class ArgKind(_Declared):
    """How one C argument is produced from Python.

    visible: the caller passes it as a Python argument; is_out: libvirt
    writes it (an out-parameter); stub_type: its type in the stubs (None:
    not a Python argument, or the argument's class for a handle);
    buffer_type: the C type of the buffer a call allocates for it where it
    does not follow from the argument's (ctype *).
    """
    def __init__(self, value: str, visible: bool, is_out: bool,
                 stub_type: Optional[str], buffer_type: Optional[str] = None) -> None:
        self.visible, self.is_out = visible, is_out
        self.stub_type, self.buffer_type = stub_type, buffer_type

    # value, visible, is_out, stub_type, buffer_type
    # the owning object's handle
    SELF = ("self", False, False, None, None)
    # an integer, range-checked by the C type
    INT = ("int", True, False, "int", None)
    DOUBLE = ("double", True, False, "float", None)
    # const char *; nullable: None passes as NULL
    STR = ("str", True, False, "str", None)
    # another libvirt object (cls)
    HANDLE = ("handle", True, False, None, None)
    # const unsigned char * of VIR_UUID_BUFLEN bytes
    UUID = ("uuid", True, False, "bytes", None)
    # a caller-allocated struct libvirt fills (ctype)
    OUT_STRUCT = ("out-struct", False, True, None, None)
    # an int * (ctype) libvirt fills
    OUT_INT = ("out-int", False, True, None, None)
    # a buffer of VIR_UUID_BUFLEN
    OUT_UUID = ("out-uuid", False, True, None, "unsigned char[16]")
    # a buffer of VIR_UUID_STRING_BUFLEN
    OUT_UUIDSTR = ("out-uuidstr", False, True, None, "char[37]")
    # char ** libvirt points at a string the caller frees
    OUT_STR = ("out-str", False, True, None, "char * *")
    # a char ** array, its capacity in the next argument
    OUT_NAMES = ("out-names", False, True, None, None)
    # an int * array, its capacity in the next argument
    OUT_IDS = ("out-ids", False, True, None, None)
    # the capacity of the preceding array
    CAPACITY = ("capacity", False, False, None, None)
    # a virXxxPtr ** list libvirt allocates (cls)
    OUT_HANDLES = ("out-handles", False, True, None, None)
    # typed parameters the caller sizes (count asked first)
    OUT_PARAMS = ("out-params", False, True, None, None)
    # typed parameters libvirt allocates
    OUT_PARAMS_ALLOC = ("out-params-alloc", False, True, None, None)
    # a dict made virTypedParameter[] (types: the getter)
    IN_PARAMS = ("in-params", True, False, "dict[str, Any]", None)
    # the element count of the typed parameters
    PARAMS_COUNT = ("params-count", False, False, None, None)


class ReturnKind(_Declared):
    """What the Python function returns.

    stub_type: its type in the stubs (None: it follows ret_cls or the
    out-parameters); libvirtmod_int: libvirtmod reports a failure as an int
    (ErrorConvention.failure_int), not as None.
    """
    def __init__(self, value: str, stub_type: Optional[str],
                 libvirtmod_int: bool) -> None:
        self.stub_type, self.libvirtmod_int = stub_type, libvirtmod_int

    VOID = ("void", "None", False)
    INT = ("int", "int", True)
    UINT_AS_INT = ("uint-as-int", "int", True)   # unsigned, shown as int (-1)
    DOUBLE = ("double", "float", False)
    STR = ("str", "str", False)                  # const char *: libvirt keeps it
    STR_FREE = ("str-free", "str", False)        # char *: the caller frees it
    HANDLE = ("handle", None, False)             # an object of ret_cls
    LIST = ("list", None, False)                 # a list of the out-parameters
    VALUE = ("value", None, False)               # the single out-parameter
    NAMES = ("names", "list[str]", False)
    IDS = ("ids", "list[int]", False)
    HANDLES = ("handles", None, False)           # a list of ret_cls objects
    PARAMS = ("params", "dict[str, Any]", False)  # typed parameters as a dict


class ErrorConvention(_Declared):
    """How libvirt reports failure in a function's result.

    failure_int: what libvirtmod returns for a failure where the result
    is an int (None: the convention reports none that way).
    """
    def __init__(self, value: str, failure_int: Optional[str]) -> None:
        self.failure_int = failure_int

    NONE = ("none", None)                      # nothing reports a failure
    MINUS_ONE = ("minus-one", "-1")
    MINUS_ONE_UNSIGNED = ("minus-one-unsigned", "-1")  # (unsigned type) -1
    NULL = ("null", None)
    ZERO_WITH_ERROR = ("zero-with-error", "0")  # 0 with an error set
    NULL_IS_NONE = ("null-is-none", None)       # NULL is returned as None


class Status(_Declared):
    """Whether a function reaches Python, and how.

    bound: Python offers it (generated or hand-written).
    """
    def __init__(self, value: str, bound: bool) -> None:
        self.bound = bound

    GENERATED = ("generated", True)       # emitted from its Binding
    HANDWRITTEN = ("handwritten", True)   # written by hand (api-xml/)
    PENDING = ("pending", False)          # to be written by hand
    OMITTED = ("omitted", False)          # left out, as libvirt-python does
    UNSUPPORTED = ("unsupported", False)  # types unknown to the generator
    ABSENT = ("absent", False)            # hand-written, for a newer libvirt than the XML's


@dataclass
class ArgBinding:
    """How one C argument is produced from Python."""
    name: str
    kind: ArgKind
    ctype: str = ""
    cls: str = ""
    nullable: bool = False
    default: Optional[str] = None   # Python default, as source text
    c_name: str = ""                # the C argument's name (name is Python's)
    null_reason: str = ""           # why None is accepted or refused

    def __post_init__(self) -> None:
        self.kind = ArgKind(self.kind)


@dataclass
class Binding:
    """Every decision about how one function reaches Python."""
    status: Status
    reason: str = ""
    pymodule: str = "libvirt"
    cls: Optional[str] = None        # owning class; None: module function
    pyname: str = ""
    args: List[ArgBinding] = field(default_factory=list)
    ret_kind: ReturnKind = ReturnKind.VOID
    ret_cls: str = ""
    errors: ErrorConvention = ErrorConvention.NONE
    count_function: Optional[str] = None   # for names/ids lists
    types_function: Optional[str] = None   # typed-parameter setters: the getter
    types_family: Optional[str] = None     # ... or the documented types' table
    parent: str = ""     # Python expression of the new object's parent
    releases_self: bool = False      # the call gives up the object's handle
    none_on_failure: bool = False    # libvirt's failure gives None, not an exception
    result_may_be_none: bool = False  # callers meet None (the stubs say so)
    # Source text of what libvirtmod returns when the call fails ("-1", "0",
    # "None"); None: the method never reports a failure.
    libvirtmod_failure: Optional[str] = None

    def __setattr__(self, name, value) -> None:
        # The declared fields only hold declared values.
        declared = _BINDING_DECLARED.get(name)
        super().__setattr__(name, declared(value) if declared else value)

    def outs(self) -> List[ArgBinding]:
        """The out-parameters, in C order."""
        return [a for a in self.args if a.kind.is_out]

    def python_args(self, with_self: bool = False) -> List[ArgBinding]:
        """The arguments Python sees, in C order (ArgKind.visible); with_self,
        the owning object's too where it stands (libvirtmod takes it as an
        argument, a method as `self`)."""
        return [a for a in self.args
                if a.kind.visible or (with_self and a.kind == ArgKind.SELF)]

    def python_params(self) -> List[Tuple[ArgBinding, Optional[str]]]:
        """(argument, its default) of the Python signature: python_args()
        with the defaults Python keeps (keep_trailing_defaults)."""
        args = self.python_args()
        return list(zip(args, keep_trailing_defaults([a.default for a in args])))


def keep_trailing_defaults(defaults: List[Optional[str]]) -> List[Optional[str]]:
    """A default may only be followed by defaults: of a signature's defaults
    (None: none), those Python keeps, in order; the others become None."""
    kept: List[Optional[str]] = []
    seen_required = False
    for default in reversed(defaults):
        if default is None:
            seen_required = True
        kept.append(None if seen_required else default)
    return kept[::-1]


_BINDING_DECLARED = {"status": Status, "ret_kind": ReturnKind,
                     "errors": ErrorConvention}


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
