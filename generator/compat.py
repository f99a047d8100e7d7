"""libvirt-python's naming and shape contract, as tables.

Programs written for libvirt-python call these names and rely on these
shapes: which functions a Python module offers and under which class and
name, which are left out or written by hand, what a failure returns, the
entries of its low-level libvirtmod modules and the members its objects
have. Each table says why. annotate.py reads them to decide every function's
Binding, names.py to name a method; the emitters read the few facts that are
about what they write (libvirtmod's entries, the stubs' members of the
runtime), and keep no table of their own.
"""

from __future__ import annotations

import re

# --- modules --------------------------------------------------------------------------

# libvirt-python's Python module for each API module.
PY_MODULES = {"libvirt": "libvirt", "libvirt-qemu": "libvirt_qemu",
              "libvirt-lxc": "libvirt_lxc", "libvirt-admin": "libvirt_admin"}

# API modules whose functions are all module functions, never methods
# (libvirt-python's libvirt_qemu and libvirt_lxc).
MODULE_FUNCTIONS_ONLY = {"libvirt-qemu", "libvirt-lxc"}

# API modules whose wrappers give flags and optional arguments defaults:
# libvirt-python's main module (not its qemu/lxc ones), and libvirt_admin,
# which libvirt-python lacks and which follows the main module's style.
DEFAULTS_MODULES = {"libvirt", "libvirt-admin"}


# --- classes and names (names.py applies these) ---------------------------------------

# Handle classes in the order libvirt-python assigns functions to them: the
# first class whose handle is argument 0 (else argument 1) owns the function.
CLASS_ORDER = [
    "virDomain", "virNetwork", "virNetworkPort", "virInterface",
    "virStoragePool", "virStorageVol", "virConnect", "virNodeDevice",
    "virSecret", "virNWFilter", "virNWFilterBinding", "virStream",
    "virDomainCheckpoint", "virDomainSnapshot",
    # libvirt-admin (libvirt_admin): the daemon, its servers, their clients
    "virAdmConnect", "virAdmServer", "virAdmClient",
]

# Class -> the class of the object it is created from (its "parent").
PARENT_CLASS = {
    "virConnect": None,
    "virDomainCheckpoint": "virDomain",
    "virDomainSnapshot": "virDomain",
    "virNetworkPort": "virNetwork",
    "virAdmConnect": None,
    "virAdmServer": "virAdmConnect",
    "virAdmClient": "virAdmServer",
}

# How an object refers to the object it was made from, from inside a method
# (libvirt/_objects.py keeps a domain's or a network's children's in _parent).
PARENT_ATTRIBUTE = {"virConnect": "_conn", "virDomain": "_parent",
                    "virNetwork": "_parent", "virAdmConnect": "_conn",
                    "virAdmServer": "_parent"}

# Functions whose handle is argument 1 but which still are not methods of
# that handle's class.
NOT_OWNED_BY_SECOND_ARG = {"virDomainRevertToSnapshot"}

# (C-name prefix, characters cut from the front, leading characters lowered)
# First match wins; the order is significant.
PREFIX_RULES = [
    ("virNetworkDefine", 3, 1), ("virNetworkCreateXML", 3, 1),
    ("virNetworkLookup", 3, 1), ("virNetworkPortCreateXML", 10, 1),
    ("virNetworkPortLookup", 10, 1), ("virInterfaceDefine", 3, 1),
    ("virInterfaceCreateXML", 3, 1), ("virInterfaceLookup", 3, 1),
    ("virSecretDefine", 3, 1), ("virSecretLookup", 3, 1),
    ("virNWFilterBindingCreateXML", 3, 3), ("virNWFilterBindingLookup", 3, 3),
    ("virNWFilterBindingDefine", 3, 3), ("virNWFilterDefine", 3, 3),
    ("virNWFilterLookup", 3, 3), ("virStoragePoolDefine", 3, 1),
    ("virStoragePoolCreateXML", 3, 1), ("virStoragePoolLookup", 3, 1),
    ("virStorageVolDefine", 3, 1), ("virStorageVolLookup", 3, 1),
    ("virDomainGetCPUStats", 9, 1), ("virDomainGetIOThreadInfo", 12, 2),
    ("virDomainGetFSInfo", 12, 2), ("virDomainGet", 12, 1),
    ("virDomainCheckpointLookupByName", 9, 1),
    ("virDomainCheckpointCreateXML", 9, 1), ("virDomainCheckpoint", 19, 1),
    ("virDomainSnapshotLookupByName", 9, 1),
    ("virDomainSnapshotListNames", 9, 1),
    ("virDomainSnapshotNumChildren", 17, 1), ("virDomainSnapshotNum", 9, 1),
    ("virDomainSnapshotCreateXML", 9, 1), ("virDomainSnapshotCurrent", 9, 1),
    ("virDomainSnapshot", 17, 1), ("virDomain", 9, 1),
    ("virNetworkPortGet", 17, 1), ("virNetworkGet", 13, 1),
    ("virNetworkPort", 14, 1), ("virNetwork", 10, 1),
    ("virInterfaceGet", 15, 1), ("virInterface", 12, 1),
    ("virSecretGet", 12, 1), ("virSecret", 9, 1),
    ("virNWFilterBindingGet", 21, 1), ("virNWFilterBinding", 18, 1),
    ("virNWFilterGet", 14, 1), ("virNWFilter", 11, 1),
    ("virStream", 9, 1), ("virStoragePoolGet", 17, 1),
    ("virStoragePool", 14, 1), ("virStorageVolGet", 16, 1),
    ("virStorageVol", 13, 1), ("virNodeDeviceGet", 16, 1),
    ("virNodeDeviceLookup", 3, 1), ("virNodeDeviceCreateXML", 3, 1),
    ("virNodeDeviceDefine", 3, 1), ("virNodeDevice", 13, 1),
    ("virNode", 7, 1), ("virConnect", 10, 1),
    # libvirt_admin (libvirt-python has none; its rules carried over): the
    # connection keeps "get" as virConnect does (getURI), servers and
    # clients drop it as the other objects do (name(), info()), and module
    # functions lose the "virAdm" prefix (open(), getVersion()).
    ("virAdmConnect", 13, 1), ("virAdmServerGet", 15, 1),
    ("virAdmServer", 12, 1), ("virAdmClientGet", 15, 1),
    ("virAdmClient", 12, 1), ("virAdm", 6, 1),
]

# Names the prefix rules cannot produce.
EXPLICIT_NAMES = {
    "virStreamNew": "newStream",
    "virConnectListDomains": "listDomainsID",
    "virConnectListAllNodeDevices": "listAllDevices",
}

# Acronyms the lower-casing of the first letter would break.
ACRONYMS = {"iD": "ID", "uUID": "UUID", "uUIDString": "UUIDString",
            "oSType": "OSType", "xMLDesc": "XMLDesc",
            "mACString": "MACString"}

# The runtime base class (libvirt/_objects.py) of each kind of object;
# the others are "ConnectionChild". One written as module.Class is in that
# module of libvirt/ instead (libvirt_admin's, in libvirt/_admin.py).
RUNTIME_BASES = {"virConnect": "Connection", "virDomain": "Domain",
                 "virNetwork": "Network", "virSecret": "Secret",
                 "virStorageVol": "StorageVolume", "virStream": "Stream",
                 "virDomainSnapshot": "DomainChild",
                 "virDomainCheckpoint": "DomainChild",
                 "virNetworkPort": "NetworkChild",
                 "virAdmConnect": "_admin.AdminConnection",
                 "virAdmClient": "_admin.AdminClient"}

# Functions after which the object's handle is no longer the caller's.
RELEASES_HANDLE = {"virConnectClose", "virAdmConnectClose"}

# The function releasing each class's handles where it is not <class>Free.
CLOSE_FUNCTIONS = {"virConnect": "virConnectClose",
                   "virAdmConnect": "virAdmConnectClose"}


# --- what is not generated ------------------------------------------------------------

# Functions libvirt-python deliberately does not expose, with the reason.
_REF = "reference counting is the binding's own job"
_PARENT = "the Python object keeps its parent (connect(), domain(), network())"
FREED = "memory is freed by the binding"
_TYPED = "typed parameters are Python dicts"
_ERRFUNC = "errors are raised as libvirtError; see registerErrorHandler"
OMITTED_PATTERNS = [
    (re.compile(r"^vir\w+Ref$"), _REF),
    (re.compile(r"^vir(Domain|Interface|Network|Secret|NWFilter|StoragePool|"
                r"StorageVol|DomainCheckpoint|DomainSnapshot)GetConnect$"), _PARENT),
    (re.compile(r"^vir(DomainCheckpoint|DomainSnapshot)GetDomain$"), _PARENT),
    (re.compile(r"^virNetworkPortGetNetwork$"), _PARENT),
    (re.compile(r"^virTypedParams\w+$"), _TYPED),
    (re.compile(r"^vir(NetworkDHCPLease|DomainStatsRecordList|DomainFSInfo|"
                r"DomainIOThreadInfo|DomainInterface|Error|Stream)Free$"), FREED),
    (re.compile(r"^vir(ConnSetErrorFunc|ResetError|SaveLastError|CopyLastError|"
                r"ConnCopyLastError|DefaultErrorFunc|SetErrorFunc|FreeError)$"), _ERRFUNC),
    (re.compile(r"^virDomainLxcEnter(Namespace|SecurityLabel)$"),
     "changes the calling process's namespaces; not offered by libvirt-python"),
]

# Functions whose regular pattern would give a different Python shape than
# libvirt-python's: they are written by hand (api-xml/) instead.
NOT_MECHANICAL = {
    "virDomainGetTime": "libvirt-python returns a dict",
    "virDomainSetTime": "libvirt-python takes a dict",
    "virDomainGetBlockJobInfo": "libvirt-python returns a dict",
    "virDomainGetSecurityLabel": "libvirt-python returns 'enforcing' as a bool",
    "virDomainGetSchedulerParameters": "the count comes from virDomainGetSchedulerType",
    "virDomainGetSchedulerParametersFlags": "the count comes from virDomainGetSchedulerType",
    "virDomainSetSchedulerParameters": "the types come from the scheduler's parameters",
    "virDomainSetSchedulerParametersFlags": "the types come from the scheduler's parameters",
    "virDomainGetCPUStats": "libvirt-python returns a list of dicts, one per CPU",
    "virDomainCreateWithFiles": "takes a list of file objects",
    "virDomainCreateXMLWithFiles": "takes a list of file objects",
}


# --- results and failures -------------------------------------------------------------

# Getters that return None instead of raising on NULL (libvirt-python's
# contract; the name of an object is not expected to fail).
RETURN_NONE_ON_NULL = {
    "virDomainGetID", "virDomainGetName", "virNetworkGetName",
    "virInterfaceGetName", "virStoragePoolGetName", "virStorageVolGetName",
    "virStorageVolGetkey", "virNodeDeviceGetName", "virNodeDeviceGetParent",
    "virSecretGetUsageType", "virSecretGetUsageID", "virNWFilterGetName",
    "virNWFilterBindingGetFilterName", "virNWFilterBindingGetPortDev",
}

# Getters libvirt-python lets return None instead of raising
# (RETURN_NONE_ON_NULL): for most, NULL only means an invalid object, which a
# live Python object never holds, so the stub says str; for these, None is a
# result callers meet (a device without a parent).
NONE_IS_A_RESULT = {"virNodeDeviceGetParent"}

# Where libvirt-python answers libvirt's failure with None instead of raising:
# in the method itself ("python": its override answers None where its wrapper
# tests for -1 or for nothing; libvirtmod then answers None too), or in its
# libvirtmod only ("libvirtmod": its hand-written C wrapper returns None where
# the others of its kind return -1; the method still raises). Followed: None
# is a result programs written for it test for, and nothing is lost but the
# error text. Refused arguments still raise.
# Generated typed-parameter setters that libvirt-python types by a table of
# libvirt's documented field types (a typed_params.FAMILIES table) instead
# of the getter's answer, from the libvirt release given on: (family, since).
TYPED_BY_FAMILY = {
    # From libvirt-python 11.2.0 (with virDomainSetThrottleGroup, which
    # shares the table) setBlockIoTune types its dict by the block I/O tune
    # fields, no longer by virDomainGetBlockIoTune's answer: an empty dict
    # and unknown fields reach libvirt, which refuses them.
    "virDomainSetBlockIoTune": ("BLOCK_IOTUNE", (11, 2, 0)),
}

NONE_ON_FAILURE = {
    "virDomainGetGuestVcpus":
        ("python", "its override returns None; its wrapper tests -1"),
    "virDomainMigrateGetMaxDowntime":
        ("python", "its wrapper returns the override's None"),
    "virDomainMigrateGetCompressionCache":
        ("python", "its wrapper returns the override's None"),
    "virStreamRecvHole":
        ("libvirtmod", "its C wrapper returns None; its Python method raises"),
}

# Return-value tests libvirt documents differently from "-1 on error".
ZERO_ON_ERROR = {"virDomainGetMaxMemory", "virNodeGetFreeMemory"}


# --- events (libvirt/_events.py) -------------------------------------------------------

# Event callback arguments libvirt-python does not pass on to the Python
# callback: callback type -> {C argument: why}. Its callbacks are called
# with the arguments of its dispatchers, which programs are written for.
EVENT_ARGS_LEFT_OUT = {
    "virConnectDomainEventChannelLifecycleCallback": {
        "channelName": "libvirt-python 12.8's dispatcher takes (dom, state, reason): "
                       "its C callback is declared without the channel's name"},
}


# --- libvirtmod (emit_libvirtmod.py) --------------------------------------------------

# The libvirtmod module of each Python module.
LIBVIRTMOD_MODULES = {"libvirt": "libvirtmod", "libvirt_qemu": "libvirtmod_qemu",
                      "libvirt_lxc": "libvirtmod_lxc"}

# Where libvirt-python's low-level name is not the C name.
LIBVIRTMOD_RENAMED = {
    # its Python method is listDomainsID, and so is its C wrapper's name
    "virConnectListDomains": "virConnectListDomainsID",
}

# Bound functions libvirt-python implements in Python alone: its libvirtmod
# has no entry for them.
LIBVIRTMOD_PYTHON_ONLY = {"virStreamRecvAll", "virStreamSendAll",
                          "virStreamSparseRecvAll", "virStreamSparseSendAll"}

# Functions whose libvirtmod form differs from the method's: the callback
# registrations take libvirt-python's callback record (cbData) and dispatch
# to it; the event loop plumbing takes the C callback and its data apart.
# Written by hand in the runtime, under these names.
LIBVIRTMOD_SPECIAL = {
    "libvirt": {
        "virConnectDomainEventRegister", "virConnectDomainEventDeregister",
        "virConnectDomainEventRegisterAny", "virConnectNetworkEventRegisterAny",
        "virConnectStoragePoolEventRegisterAny", "virConnectNodeDeviceEventRegisterAny",
        "virConnectSecretEventRegisterAny", "virConnectRegisterCloseCallback",
        "virStreamEventAddCallback", "virEventAddHandle", "virEventAddTimeout",
        "virEventInvokeFreeCallback",
    },
    "libvirt_qemu": {"virConnectDomainQemuMonitorEventRegister"},
    "libvirt_lxc": set(),
}

# Entries of libvirt-python's libvirtmod that are no libvirt function (its
# Python event loops run libvirt's callbacks through them): in the runtime.
LIBVIRTMOD_EXTRA = {"libvirt": ["virEventInvokeHandleCallback",
                                "virEventInvokeTimeoutCallback"]}


# --- the runtime's members, for the stubs (emit_stubs.py) -----------------------------

# Members the runtime base classes give objects (libvirt/_objects.py,
# libvirt/_admin.py), by PyClass.base: (name, result type). Every class also
# has c_pointer(); every class but a connection has connect().
BASE_MEMBERS = {
    "DomainChild": [("domain", "virDomain"), ("getDomain", "virDomain"),
                    ("getConnect", "virConnect")],
    "NetworkChild": [("network", "virNetwork")],
    "_admin.AdminClient": [("server", "virAdmServer")],
}
# The bases of connections: context managers, and no connect() of their own.
CONNECTION_BASES = {"Connection", "_admin.AdminConnection"}
# The bases whose objects are context managers (closed at the block's end).
CONTEXT_MANAGER_BASES = CONNECTION_BASES | {"Stream"}
# Other class attributes of the runtime: (class, name) -> stub line.
CLASS_ATTRIBUTES = {("virStorageVol", "streamBufSize"): "streamBufSize: int"}
# Functions whose result type depends on how they are called: the
# overloads, (arguments, result), ahead of the api-xml signature.
OVERLOADS = {
    # the library's version alone, or with a driver's name the pair
    # (library, driver), as libvirt-python's override returns
    "virGetVersion": [("name: None = None", "int"), ("name: str", "tuple[int, int]")],
}
