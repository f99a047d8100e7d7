"""The libvirt_qemu and libvirt_lxc functions whose libvirt-python shape is
written by hand (each described in api-xml/host-extra.xml): QEMU monitor
events, monitor commands passing file descriptors, and LXC namespaces."""

from __future__ import annotations

import fcntl
import os

from . import _callbacks, _core, _events, _functions

_ffi = _core.ffi
_NULL = _core.NULL
_free = _core.free
_classes = _core.classes

_virConnectDomainQemuMonitorEventRegister = _functions.virConnectDomainQemuMonitorEventRegister
_virConnectDomainQemuMonitorEventDeregister = _functions.virConnectDomainQemuMonitorEventDeregister
_virDomainQemuMonitorCommandWithFiles = _functions.virDomainQemuMonitorCommandWithFiles
_virDomainLxcOpenNamespace = _functions.virDomainLxcOpenNamespace

_MONITOR_EVENT = "virConnectDomainQemuMonitorEventCallback"


# flags: refused outside unsigned int (ArgumentRangeError, a libvirtError),
# where libvirt-python would truncate.
_uint = _core.index_checker("unsigned int")


def _flags(value):
    return _uint(value, "flags")


# --- libvirt_qemu ------------------------------------------------------------------

def qemuMonitorEventRegister(conn, dom, event, cb, opaque, flags=0):
    """Call cb(conn, dom, event, seconds, micros, details, opaque) for the
    QEMU monitor events named `event` (None: all; flags may make it a regex,
    VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_*) of `dom`, or of every
    domain (None). Returns the callback ID."""
    c_conn = _core.handle(conn, _classes["virConnect"], "conn")
    c_dom = _core.handle_or_null(dom, _classes["virDomain"], "dom")
    c_event = _core.cstr_or_null(event, "event")
    _core.require_callable(cb, "cb", "virConnectDomainQemuMonitorEventRegister")
    flags = _flags(flags)
    function = _events.c_callback(_MONITOR_EVENT, _MONITOR_EVENT)
    handle = _callbacks.hold(_events.Registration(conn, cb, opaque))
    ret = _virConnectDomainQemuMonitorEventRegister(
        c_conn, c_dom, c_event, function, handle, _callbacks.FREE_OPAQUE, flags)
    if ret == -1:
        error = _core.error("virConnectDomainQemuMonitorEventRegister() failed")
        _callbacks.drop(handle)
        raise error
    conn.__dict__.setdefault("qemuMonitorEventCallbackID", {})[ret] = opaque
    return ret


def qemuMonitorEventDeregister(conn, callbackID):
    """Stop the callback qemuMonitorEventRegister returned callbackID for."""
    c_conn = _core.handle(conn, _classes["virConnect"], "conn")
    if _virConnectDomainQemuMonitorEventDeregister(
            c_conn, _core.checked_index(callbackID, "callbackID", "int")) == -1:
        raise _core.error("virConnectDomainQemuMonitorEventDeregister() failed")
    conn.__dict__.get("qemuMonitorEventCallbackID", {}).pop(callbackID, None)


# open() modes for the access mode and append flag of a received descriptor.
_FD_MODES = {os.O_RDONLY: "rb", os.O_WRONLY: "wb", os.O_RDWR: "r+b",
             os.O_WRONLY | os.O_APPEND: "ab", os.O_RDWR | os.O_APPEND: "a+b"}


def _file_of(fd):
    mode = _FD_MODES.get(fcntl.fcntl(fd, fcntl.F_GETFL)
                         & (os.O_ACCMODE | os.O_APPEND), "r+b")
    return open(fd, mode, 0)


def qemuMonitorCommandWithFiles(domain, cmd, files=[], flags=0):  # noqa: B006 (never changed)
    """qemuMonitorCommand passing the file descriptors `files` (ints) with
    the command. Returns (the monitor's reply, [file objects for the
    descriptors QEMU passed back])."""
    c_dom = _core.handle(domain, _classes["virDomain"], "domain")
    c_cmd = _core.cstr_checked(cmd, "cmd")
    infiles, ninfiles = _core.int_array(files, "files")
    flags = _flags(flags)
    noutfiles = _ffi.new("unsigned int *")
    outfiles = _ffi.new("int **")
    result = _ffi.new("char **")
    ret = _virDomainQemuMonitorCommandWithFiles(c_dom, c_cmd, ninfiles, infiles,
                                                noutfiles, outfiles, result, flags)
    if ret < 0:
        raise _core.error("virDomainQemuMonitorCommandWithFiles() failed")
    fds = outfiles[0]
    received = [fds[i] for i in range(noutfiles[0])] if fds != _NULL else []
    _free(fds)
    wrapped = []
    try:
        text = _core.take_string(result[0]) if result[0] != _NULL else None
        for fd in received:
            wrapped.append(_file_of(fd))
    except BaseException:
        # Nothing may leak: close what was received, wrapped or not.
        for file in wrapped:
            file.close()
        for fd in received[len(wrapped):]:
            try:
                os.close(fd)
            except OSError:
                pass
        raise
    return (text, wrapped)


# --- libvirt_lxc -------------------------------------------------------------------

def lxcOpenNamespace(domain, flags):
    """File descriptors of the container's namespaces (for setns()), as a
    list of int; the caller closes them."""
    c_dom = _core.handle(domain, _classes["virDomain"], "domain")
    flags = _flags(flags)
    fdlist = _ffi.new("int **")
    ret = _virDomainLxcOpenNamespace(c_dom, fdlist, flags)
    if ret < 0:
        raise _core.error("virDomainLxcOpenNamespace() failed")
    fds = fdlist[0]
    try:
        return [fds[i] for i in range(ret)] if fds != _NULL else []
    finally:
        _free(fds)
