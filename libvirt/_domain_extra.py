"""virDomain methods whose libvirt-python shape is written by hand (each
described in api-xml/domain-extra.xml).

Every method keeps libvirt-python's name, arguments and result shape (list,
tuple or dict; bool or int). Buffers are sized from what libvirt reports and
everything libvirt allocates is freed, also when a conversion fails; a
failing libvirt call raises libvirtError read right after it. Arguments
libvirt-python would hand to libvirt regardless (None for a required
string, an integer outside its C type) are refused before libvirt is
called, as _core's ArgumentTypeError/ValueError/RangeError: libvirtErrors
that are also the Python class; values libvirt-python's own argument
parsing rejects (a str for an int) keep its plain TypeError.
"""

from __future__ import annotations

import struct

from . import _core, _cpumap, _functions, _typedparams
from . import _param_types as _documented     # generated: libvirt's documented types
from ._typedparams import _PARAMS, from_dict as _from_dict, to_dict as _to_dict

_ffi = _core.ffi
_NULL = _ffi.NULL
_new = _ffi.new
_string = _ffi.string
_free = _core._free
_error = _core.error
_cstr = _core.cstr
_cstr_or_null = _core.cstr_or_null


# Integer arguments by their C type: refused (ArgumentRangeError, a
# libvirtError) outside its range, where libvirt-python would truncate.
_uint = _core.index_checker("unsigned int")
_int = _core.index_checker("int")
_ullong = _core.index_checker("unsigned long long")
_size = _core.index_checker("size_t")
_llong = _core.index_checker("long long")


_virDomainGetConnect = _functions.virDomainGetConnect
_virNodeGetCPUMap = _functions.virNodeGetCPUMap
_virDomainGetInfo = _functions.virDomainGetInfo
_virTypedParamsClear = _functions.virTypedParamsClear
_virTypedParamsFree = _functions.virTypedParamsFree

_virDomainGetVcpus = _functions.virDomainGetVcpus
_virDomainGetVcpuPinInfo = _functions.virDomainGetVcpuPinInfo
_virDomainGetEmulatorPinInfo = _functions.virDomainGetEmulatorPinInfo
_virDomainPinVcpu = _functions.virDomainPinVcpu
_virDomainPinVcpuFlags = _functions.virDomainPinVcpuFlags
_virDomainPinEmulator = _functions.virDomainPinEmulator
_virDomainPinIOThread = _functions.virDomainPinIOThread
_virDomainGetIOThreadInfo = _functions.virDomainGetIOThreadInfo
_virDomainIOThreadInfoFree = _functions.virDomainIOThreadInfoFree
_virDomainSetIOThreadParams = _functions.virDomainSetIOThreadParams
_virDomainMemoryStats = _functions.virDomainMemoryStats
_virDomainBlockStats = _functions.virDomainBlockStats
_virDomainInterfaceStats = _functions.virDomainInterfaceStats
_virDomainGetCPUStats = _functions.virDomainGetCPUStats
_virDomainGetSchedulerType = _functions.virDomainGetSchedulerType
_virDomainGetSchedulerParameters = _functions.virDomainGetSchedulerParameters
_virDomainGetSchedulerParametersFlags = _functions.virDomainGetSchedulerParametersFlags
_virDomainSetSchedulerParameters = _functions.virDomainSetSchedulerParameters
_virDomainSetSchedulerParametersFlags = _functions.virDomainSetSchedulerParametersFlags
_virDomainGetBlockJobInfo = _functions.virDomainGetBlockJobInfo
_virDomainGetJobStats = _functions.virDomainGetJobStats
_virDomainGetSecurityLabel = _functions.virDomainGetSecurityLabel
_virDomainGetSecurityLabelList = _functions.virDomainGetSecurityLabelList
_virDomainGetTime = _functions.virDomainGetTime
_virDomainSetTime = _functions.virDomainSetTime
_virDomainGetDiskErrors = _functions.virDomainGetDiskErrors
_virDomainGetFSInfo = _functions.virDomainGetFSInfo
_virDomainFSInfoFree = _functions.virDomainFSInfoFree
_virDomainFSFreeze = _functions.virDomainFSFreeze
_virDomainFSThaw = _functions.virDomainFSThaw
_virDomainInterfaceAddresses = _functions.virDomainInterfaceAddresses
_virDomainInterfaceFree = _functions.virDomainInterfaceFree
_virDomainBlockPeek = _functions.virDomainBlockPeek
_virDomainMemoryPeek = _functions.virDomainMemoryPeek
_virDomainSendKey = _functions.virDomainSendKey
_virDomainAuthorizedSSHKeysGet = _functions.virDomainAuthorizedSSHKeysGet
_virDomainAuthorizedSSHKeysSet = _functions.virDomainAuthorizedSSHKeysSet
_virDomainGetMessages = _functions.virDomainGetMessages
_virDomainCreateWithFiles = _functions.virDomainCreateWithFiles
_virDomainFDAssociate = _functions.virDomainFDAssociate
_virDomainMigrate3 = _functions.virDomainMigrate3
_virDomainMigrateToURI3 = _functions.virDomainMigrateToURI3
_virDomainSaveParams = _functions.virDomainSaveParams
_virDomainBlockCopy = _functions.virDomainBlockCopy
_virDomainSetLaunchSecurityState = _functions.virDomainSetLaunchSecurityState

# libvirt-python's keys for virDomainMemoryStatTags (others are left out).
_MEMORY_STAT_KEYS = {
    0: "swap_in", 1: "swap_out", 2: "major_fault", 3: "minor_fault",
    4: "unused", 5: "available", 6: "actual", 7: "rss", 8: "usable",
    9: "last_update", 10: "disk_caches", 11: "hugetlb_pgalloc",
    12: "hugetlb_pgfail",
}
try:
    _MEMORY_STAT_NR = int(_core.library("libvirt").VIR_DOMAIN_MEMORY_STAT_NR)
except AttributeError:      # an older header: the tags libvirt-python names
    _MEMORY_STAT_NR = len(_MEMORY_STAT_KEYS)
_MEMORY_STAT_NR = max(_MEMORY_STAT_NR, len(_MEMORY_STAT_KEYS))

# virDomainMemoryStatStruct arrays of 0.._MEMORY_STAT_NR entries as struct
# unpacks them, (tag, val, tag, val, ...): one C-level read of the whole
# array instead of two cffi attribute reads per statistic.
_MEMORY_STAT_ONE = "i%dxQ%dx" % (
    _ffi.offsetof("virDomainMemoryStatStruct", "val") - 4,
    _ffi.sizeof("virDomainMemoryStatStruct")
    - _ffi.offsetof("virDomainMemoryStatStruct", "val") - 8)
_MEMORY_STAT_ARRAYS = [struct.Struct("=" + _MEMORY_STAT_ONE * n)
                       for n in range(_MEMORY_STAT_NR + 1)]
_MEMORY_STATS = _ffi.typeof("virDomainMemoryStatStruct[]")

_CPU_STATS_CHUNK = 128          # CPUs asked for per virDomainGetCPUStats call

# The types of the typed parameters that have no getter to report them are
# libvirt's documented ones (_documented, generated). A field not listed
# takes its type from the Python value, as libvirt-python does: str ->
# STRING, bool -> BOOLEAN, int -> ULLONG (LLONG when negative), float ->
# DOUBLE; a list value gives one parameter per item.


# --- helpers -------------------------------------------------------------------

def _node_cpus(dom, failed: str) -> int:
    """The number of the host's CPUs: the length of every CPU map."""
    count = _virNodeGetCPUMap(_virDomainGetConnect(dom), _NULL, _NULL, 0)
    if count < 0:
        raise _error(failed)
    return count


_maplen = _cpumap.maplen
_usable = _cpumap.flags


def _nr_virt_cpus(dom, failed: str) -> int:
    info = _new("virDomainInfo *")
    if _virDomainGetInfo(dom, info) < 0:
        raise _error(failed)
    return info.nrVirtCpu


_cleared_error = _typedparams.cleared_error
_get_sized = _typedparams.get_sized
_get_allocated = _typedparams.get_allocated
_kinds = _typedparams.kinds
_take_structs = _core.take_struct_array


class DomainExtra:
    """Mixed into virDomain (libvirt/_objects.py)."""

    # --- virtual CPUs and pinning ----------------------------------------------

    def vcpus(self):
        """([(number, state, cpuTime, cpu), ...], [cpumap, ...]) for every
        virtual CPU; a cpumap is a tuple of bools, one per host CPU."""
        failed = "virDomainGetVcpus() failed"
        cpus = _node_cpus(self._o, failed)
        nvcpus = _nr_virt_cpus(self._o, failed)
        maplen = _maplen(cpus)
        info = _new("virVcpuInfo[]", nvcpus)
        maps = _new("unsigned char[]", max(nvcpus * maplen, 1))
        if _virDomainGetVcpus(self._o, info, nvcpus, maps, maplen) < 0:
            raise _error(failed)
        raw = bytes(_ffi.buffer(maps))
        return ([(info[i].number, info[i].state, info[i].cpuTime, info[i].cpu)
                 for i in range(nvcpus)],
                [tuple(_usable(raw, i * maplen, cpus)) for i in range(nvcpus)])

    def vcpuPinInfo(self, flags=0):
        """The CPU affinity of every virtual CPU: a list of tuples of bools."""
        failed = "virDomainGetVcpuPinInfo() failed"
        flags = _uint(flags, "flags")
        cpus = _node_cpus(self._o, failed)
        nvcpus = _nr_virt_cpus(self._o, failed)
        maplen = _maplen(cpus)
        maps = _new("unsigned char[]", max(nvcpus * maplen, 1))
        if _virDomainGetVcpuPinInfo(self._o, nvcpus, maps, maplen, flags) < 0:
            raise _error(failed)
        raw = bytes(_ffi.buffer(maps))
        return [tuple(_usable(raw, i * maplen, cpus)) for i in range(nvcpus)]

    def emulatorPinInfo(self, flags=0):
        """The CPU affinity of the emulator threads: a tuple of bools."""
        failed = "virDomainGetEmulatorPinInfo() failed"
        flags = _uint(flags, "flags")
        cpus = _node_cpus(self._o, failed)
        maplen = _maplen(cpus)
        cpumap = _new("unsigned char[]", max(maplen, 1))
        if _virDomainGetEmulatorPinInfo(self._o, cpumap, maplen, flags) < 0:
            raise _error(failed)
        return tuple(_usable(bytes(_ffi.buffer(cpumap)), 0, cpus))

    def _pin(self, function, name, before, cpumap, after):
        """Pin something (a vCPU, the emulator, an IOThread) to the host CPUs
        set in `cpumap`: function(dom, *before, map, maplen, *after)."""
        failed = name + "() failed"
        before = tuple(_uint(value, arg, name) for arg, value in before)
        after = tuple(_uint(value, arg, name) for arg, value in after)
        buffer, maplen = _cpumap.encode(cpumap, _node_cpus(self._o, failed))
        if function(self._o, *before, buffer, maplen, *after) < 0:
            raise _error(failed)
        return 0

    def pinVcpu(self, vcpu, cpumap):
        """Pin virtual CPU `vcpu` to the host CPUs set in `cpumap` (a tuple of
        bools). Returns 0."""
        return self._pin(_virDomainPinVcpu, "virDomainPinVcpu", (("vcpu", vcpu),), cpumap, ())

    def pinVcpuFlags(self, vcpu, cpumap, flags=0):
        """pinVcpu with virDomainModificationImpact flags. Returns 0."""
        return self._pin(_virDomainPinVcpuFlags, "virDomainPinVcpuFlags",
                         (("vcpu", vcpu),), cpumap, (("flags", flags),))

    def pinEmulator(self, cpumap, flags=0):
        """Pin the emulator threads to the host CPUs set in `cpumap`.
        Returns 0."""
        return self._pin(_virDomainPinEmulator, "virDomainPinEmulator", (), cpumap,
                         (("flags", flags),))

    def pinIOThread(self, iothread_val, cpumap, flags=0):
        """Pin IOThread `iothread_val` to the host CPUs set in `cpumap`.
        Returns 0."""
        return self._pin(_virDomainPinIOThread, "virDomainPinIOThread",
                         (("iothread_id", iothread_val),), cpumap,
                         (("flags", flags),))

    def ioThreadInfo(self, flags=0):
        """[(IOThread ID, [bool per host CPU]), ...]."""
        failed = "virDomainGetIOThreadInfo() failed"
        flags = _uint(flags, "flags")
        cpus = _node_cpus(self._o, failed)
        info = _new("virDomainIOThreadInfoPtr **")
        count = _virDomainGetIOThreadInfo(self._o, info, flags)
        if count < 0:
            raise _error(failed)

        def convert(thread):
            return (thread.iothread_id,
                    _cpumap.read(thread.cpumap, thread.cpumaplen, cpus))
        return _take_structs(info[0], count, convert,
                             _virDomainIOThreadInfoFree, failed)

    def setIOThreadParams(self, iothread_val, params, flags=0):
        """Set IOThread polling and pool parameters from a dict. Returns 0."""
        iothread_val = _uint(iothread_val, "iothread_id", "virDomainSetIOThreadParams")
        flags = _uint(flags, "flags", "virDomainSetIOThreadParams")
        array, count, _keepalive = _typedparams.from_dict_hinted(
            params, _documented.IOTHREAD, "IOThread polling params")
        ret = _virDomainSetIOThreadParams(self._o, iothread_val, array, count, flags)
        if ret < 0:
            raise _error("virDomainSetIOThreadParams() failed")
        return ret

    # --- statistics ----------------------------------------------------------

    def memoryStats(self):
        """{'actual': KiB, 'rss': KiB, ...}: the memory statistics the
        hypervisor reports, by libvirt-python's key names."""
        stats = _new(_MEMORY_STATS, _MEMORY_STAT_NR)
        count = _virDomainMemoryStats(self._o, stats, _MEMORY_STAT_NR, 0)
        if count < 0:
            raise _error("virDomainMemoryStats() failed")
        layout = _MEMORY_STAT_ARRAYS[min(count, _MEMORY_STAT_NR)]
        flat = layout.unpack(_ffi.buffer(stats, layout.size))
        # Tags libvirt-python does not name map to None, dropped at the end.
        result = dict(zip(map(_MEMORY_STAT_KEYS.get, flat[0::2]), flat[1::2]))
        result.pop(None, None)
        return result

    def blockStats(self, path):
        """(rd_req, rd_bytes, wr_req, wr_bytes, errs) of one disk."""
        stats = _new("virDomainBlockStatsStruct *")
        if _virDomainBlockStats(self._o, _cstr(path, "disk", "virDomainBlockStats"), stats,
                                _ffi.sizeof("virDomainBlockStatsStruct")) < 0:
            raise _error("virDomainBlockStats() failed")
        return (stats.rd_req, stats.rd_bytes, stats.wr_req, stats.wr_bytes,
                stats.errs)

    def interfaceStats(self, path):
        """(rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets,
        tx_errs, tx_drop) of one interface."""
        stats = _new("virDomainInterfaceStatsStruct *")
        if _virDomainInterfaceStats(self._o, _cstr(path, "device", "virDomainInterfaceStats"), stats,
                                    _ffi.sizeof("virDomainInterfaceStatsStruct")) < 0:
            raise _error("virDomainInterfaceStats() failed")
        return (stats.rx_bytes, stats.rx_packets, stats.rx_errs, stats.rx_drop,
                stats.tx_bytes, stats.tx_packets, stats.tx_errs, stats.tx_drop)

    def getCPUStats(self, total, flags=0):
        """CPU statistics as a list of dicts: with total false one per host
        CPU ([{'cpu_time': ...}, ...]), with total true a single dict of the
        domain's totals."""
        failed = "virDomainGetCPUStats() failed"
        total = bool(total)
        flags = _uint(flags, "flags")
        dom = self._o
        if total:
            nparams = _virDomainGetCPUStats(dom, _NULL, 0, -1, 1, flags)
            if nparams < 0:
                raise _error(failed)
            if not nparams:
                return [{}]
            params = _new(_PARAMS, nparams)
            filled = _virDomainGetCPUStats(dom, params, nparams, -1, 1, flags)
            if filled < 0:
                raise _cleared_error(params, nparams, failed)
            try:
                return [_to_dict(params, min(filled, nparams))]
            finally:
                _virTypedParamsClear(params, nparams)
        ncpus = _virDomainGetCPUStats(dom, _NULL, 0, 0, 0, flags)
        if ncpus < 0:
            raise _error(failed)
        nparams = _virDomainGetCPUStats(dom, _NULL, 0, 0, 1, flags)
        if nparams < 0:
            raise _error(failed)
        size = nparams * min(ncpus, _CPU_STATS_CHUNK)
        params = _new(_PARAMS, max(size, 1))
        result = []
        start = 0
        while ncpus > 0:
            chunk = min(ncpus, _CPU_STATS_CHUNK)
            filled = 0
            if nparams:
                filled = _virDomainGetCPUStats(dom, params, nparams, start, chunk, flags)
                if filled < 0:
                    raise _cleared_error(params, size, failed)
            try:
                result += _typedparams.to_dict_rows(params, nparams,
                                                    min(filled, nparams), chunk)
            finally:
                _virTypedParamsClear(params, size)
            start += chunk
            ncpus -= chunk
        return result

    # --- scheduler -------------------------------------------------------------

    def _scheduler_nparams(self, failed: str) -> int:
        nparams = _new("int *")
        kind = _virDomainGetSchedulerType(self._o, nparams)
        if not kind:
            raise _error(failed)
        _free(kind)
        return nparams[0]

    def schedulerType(self):
        """(scheduler name, number of its parameters)."""
        nparams = _new("int *")
        kind = _virDomainGetSchedulerType(self._o, nparams)
        if not kind:
            raise _error("virDomainGetSchedulerType() failed")
        return (_core.take_string(kind), nparams[0])

    def schedulerParameters(self):
        """The scheduler's parameters as a dict."""
        failed = "virDomainGetSchedulerParameters() failed"
        nparams = self._scheduler_nparams(failed)
        if not nparams:
            return {}
        return _get_sized("virDomainGetSchedulerParameters",
                          _virDomainGetSchedulerParameters, (self._o,), (), nparams)

    def schedulerParametersFlags(self, flags=0):
        """The scheduler's parameters as a dict (virDomainModificationImpact
        flags)."""
        failed = "virDomainGetSchedulerParametersFlags() failed"
        flags = _uint(flags, "flags")
        nparams = self._scheduler_nparams(failed)
        if not nparams:
            return {}
        return _get_sized("virDomainGetSchedulerParametersFlags",
                          _virDomainGetSchedulerParametersFlags, (self._o,), (flags,),
                          nparams)

    def _set_scheduler(self, params, flags, failed: str):
        if not isinstance(params, dict):
            raise TypeError("params must be a dict, not %s" % type(params).__name__)
        if not params:
            raise LookupError("Need non-empty dictionary to set attributes")
        nparams = self._scheduler_nparams(failed)
        if not nparams:
            raise LookupError("Domain has no settable attributes")
        if flags is None:
            types = _get_sized("virDomainGetSchedulerParameters",
                               _virDomainGetSchedulerParameters, (self._o,), (),
                               nparams, _kinds)
        else:
            types = _get_sized("virDomainGetSchedulerParametersFlags",
                               _virDomainGetSchedulerParametersFlags, (self._o,),
                               (flags,), nparams, _kinds)
        return _from_dict(params, types)

    def setSchedulerParameters(self, params):
        """Change scheduler parameters from a dict (each typed as the
        scheduler reports it). Returns 0."""
        failed = "virDomainSetSchedulerParameters() failed"
        array, count, _keepalive = self._set_scheduler(params, None, failed)
        if _virDomainSetSchedulerParameters(self._o, array, count) < 0:
            raise _error(failed)
        return 0

    def setSchedulerParametersFlags(self, params, flags=0):
        """setSchedulerParameters with virDomainModificationImpact flags.
        Returns 0."""
        failed = "virDomainSetSchedulerParametersFlags() failed"
        flags = _uint(flags, "flags")
        array, count, _keepalive = self._set_scheduler(params, flags, failed)
        if _virDomainSetSchedulerParametersFlags(self._o, array, count, flags) < 0:
            raise _error(failed)
        return 0

    # --- jobs --------------------------------------------------------------------

    def blockJobInfo(self, path, flags=0):
        """{'type', 'bandwidth', 'cur', 'end'} of the block job on a disk, or
        {} when there is none."""
        info = _new("virDomainBlockJobInfo *")
        ret = _virDomainGetBlockJobInfo(self._o, _cstr(path, "disk", "virDomainGetBlockJobInfo"), info,
                                        _uint(flags, "flags"))
        if ret < 0:
            raise _error("virDomainGetBlockJobInfo() failed")
        if ret == 0:
            return {}
        return {"type": info.type, "bandwidth": info.bandwidth,
                "cur": info.cur, "end": info.end}

    def jobStats(self, flags=0):
        """The statistics of the domain's current (or last) job as a dict,
        with its virDomainJobType under 'type'."""
        kind = _new("int *")
        result = _get_allocated("virDomainGetJobStats", _virDomainGetJobStats,
                                (self._o, kind), (_uint(flags, "flags"),))
        result["type"] = kind[0]
        return result

    # --- security labels -------------------------------------------------------

    def securityLabel(self):
        """[label, enforcing] of the domain's first security label."""
        label = _new("virSecurityLabel *")
        if _virDomainGetSecurityLabel(self._o, label) < 0:
            raise _error("virDomainGetSecurityLabel() failed")
        return [_string(label.label).decode("utf-8"), bool(label.enforcing)]

    def securityLabelList(self):
        """[[label, enforcing], ...] of every security label."""
        labels = _new("virSecurityLabelPtr *")
        count = _virDomainGetSecurityLabelList(self._o, labels)
        if count < 0:
            raise _error("virDomainGetSecurityLabelList() failed")
        array = labels[0]
        try:
            return [[_string(array[i].label).decode("utf-8"), bool(array[i].enforcing)]
                    for i in range(count)]
        finally:
            _free(array)

    # --- guest time --------------------------------------------------------------

    def getTime(self, flags=0):
        """{'seconds': ..., 'nseconds': ...}: the guest's clock."""
        seconds = _new("long long *")
        nseconds = _new("unsigned int *")
        if _virDomainGetTime(self._o, seconds, nseconds, _uint(flags, "flags")) < 0:
            raise _error("virDomainGetTime() failed")
        return {"seconds": seconds[0], "nseconds": nseconds[0]}

    def setTime(self, time=None, flags=0):
        """Set the guest's clock from {'seconds': ..., 'nseconds': ...}
        ('nseconds' optional); time may be None with
        VIR_DOMAIN_TIME_SYNC in flags. Returns 0."""
        seconds = nseconds = 0
        if time is not None and not isinstance(time, dict):
            raise TypeError("time must be a dictionary or None with flags set")
        flags = _uint(flags, "flags")
        if isinstance(time, dict):
            if "seconds" not in time:
                raise LookupError("Dictionary must contains 'seconds'")
            value = time["seconds"]
            if not isinstance(value, int):      # an int, not any __index__
                raise TypeError("an integer is required")
            seconds = _llong(value, "seconds", "virDomainSetTime")
            if "nseconds" in time:
                nseconds = _uint(time["nseconds"], "nseconds", "virDomainSetTime")
            elif len(time) > 1:
                raise LookupError("Dictionary contains unknown key")
        elif time is not None or not flags:
            raise TypeError("time must be a dictionary or None with flags set")
        ret = _virDomainSetTime(self._o, seconds, nseconds, flags)
        if ret < 0:
            raise _error("virDomainSetTime() failed")
        return ret

    # --- guest agent and disks -----------------------------------------------

    def diskErrors(self, flags=0):
        """{disk: virDomainDiskErrorCode} of the disks with an error."""
        failed = "virDomainGetDiskErrors() failed"
        # Checked, but libvirt is asked with 0 as libvirt-python asks it
        # (libvirt defines no flags here): diskErrors(1) works there.
        _uint(flags, "flags")
        flags = 0
        count = _virDomainGetDiskErrors(self._o, _NULL, 0, flags)
        if count < 0:
            raise _error(failed)
        if count == 0:
            return {}
        errors = _new("virDomainDiskError[]", count)
        filled = _virDomainGetDiskErrors(self._o, errors, count, flags)
        if filled < 0:
            raise _error(failed)
        filled = min(filled, count)
        try:
            return {_core.text(errors[i].disk): errors[i].error for i in range(filled)}
        finally:
            for i in range(filled):
                _free(errors[i].disk)

    def fsInfo(self, flags=0):
        """[(mountpoint, name, fstype, [device aliases]), ...] of the guest's
        mounted file systems."""
        failed = "virDomainGetFSInfo() failed"
        info = _new("virDomainFSInfoPtr **")
        count = _virDomainGetFSInfo(self._o, info, _uint(flags, "flags"))
        if count < 0:
            raise _error(failed)
        text = _core.text

        def convert(fs):
            return (text(fs.mountpoint), text(fs.name), text(fs.fstype),
                    [text(fs.devAlias[j]) for j in range(fs.ndevAlias)])
        return _take_structs(info[0], count, convert, _virDomainFSInfoFree, failed)

    def fsFreeze(self, mountpoints=None, flags=0):
        """Freeze the guest's file systems (all when mountpoints is None).
        Returns how many were frozen."""
        array, count, _keepalive = _core.string_array(mountpoints, "mountpoints", allow_none=True)
        ret = _virDomainFSFreeze(self._o, array, count, _uint(flags, "flags"))
        if ret < 0:
            raise _error("virDomainFSFreeze() failed")
        return ret

    def fsThaw(self, mountpoints=None, flags=0):
        """Thaw the guest's file systems (all when mountpoints is None).
        Returns how many were thawed."""
        array, count, _keepalive = _core.string_array(mountpoints, "mountpoints", allow_none=True)
        ret = _virDomainFSThaw(self._o, array, count, _uint(flags, "flags"))
        if ret < 0:
            raise _error("virDomainFSThaw() failed")
        return ret

    def interfaceAddresses(self, source, flags=0):
        """{name: {'addrs': [{'addr', 'prefix', 'type'}, ...] or None,
        'hwaddr': MAC or None}} of the guest's interfaces."""
        ifaces = _new("virDomainInterfacePtr **")
        count = _virDomainInterfaceAddresses(self._o, ifaces,
                                             _uint(source, "source"),
                                             _uint(flags, "flags"))
        if count < 0:
            raise _error("virDomainInterfaceAddresses() failed")
        text = _core.text

        def convert(iface):
            addrs = None
            if iface.naddrs:
                addrs = [{"addr": text(a.addr), "prefix": a.prefix, "type": a.type}
                         for a in (iface.addrs[j] for j in range(iface.naddrs))]
            return text(iface.name), {"addrs": addrs, "hwaddr": text(iface.hwaddr)}
        return dict(_take_structs(ifaces[0], count, convert, _virDomainInterfaceFree,
                                  "virDomainInterfaceAddresses() failed"))

    def authorizedSSHKeysGet(self, user, flags=0):
        """The authorized SSH keys of a guest user, as a list of str."""
        keys = _new("char ***")
        count = _virDomainAuthorizedSSHKeysGet(self._o, _core.cstr_checked(user, "user"), keys,
                                               _uint(flags, "flags"))
        if count < 0:
            raise _error("virDomainAuthorizedSSHKeysGet() failed")
        return _core.take_string_array(keys[0], count)

    def authorizedSSHKeysSet(self, user, keys=None, flags=0):
        """Set (or with flags append or remove) a guest user's authorized
        SSH keys. Returns 0."""
        user = _core.cstr_checked(user, "user")
        array, count, _keepalive = _core.string_array(keys, "keys", allow_none=True)
        ret = _virDomainAuthorizedSSHKeysSet(self._o, user, array, count, _uint(flags, "flags"))
        if ret < 0:
            raise _error("virDomainAuthorizedSSHKeysSet() failed")
        return ret

    def messages(self, flags=0):
        """The messages libvirt recorded against the domain, a list of str."""
        msgs = _new("char ***")
        count = _virDomainGetMessages(self._o, msgs, _uint(flags, "flags"))
        if count < 0:
            raise _error("virDomainGetMessages() failed")
        return _core.take_string_array(msgs[0], count)

    # --- memory and disk contents, keys ----------------------------------------

    def blockPeek(self, disk, offset, size, flags=0):
        """`size` bytes of a disk from `offset`."""
        disk = _cstr(disk, "disk", "virDomainBlockPeek")
        offset = _ullong(offset, "offset", "virDomainBlockPeek")
        size = _size(size, "size", "virDomainBlockPeek")
        flags = _uint(flags, "flags", "virDomainBlockPeek")
        buffer = _new("char[]", max(size, 1))
        if _virDomainBlockPeek(self._o, disk, offset, size, buffer, flags) < 0:
            raise _error("virDomainBlockPeek() failed")
        return _ffi.buffer(buffer, size)[:]

    def memoryPeek(self, start, size, flags=0):
        """`size` bytes of the guest's memory from `start`
        (VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL in flags)."""
        start = _ullong(start, "start", "virDomainMemoryPeek")
        size = _size(size, "size", "virDomainMemoryPeek")
        flags = _uint(flags, "flags", "virDomainMemoryPeek")
        buffer = _new("char[]", max(size, 1))
        if _virDomainMemoryPeek(self._o, start, size, buffer, flags) < 0:
            raise _error("virDomainMemoryPeek() failed")
        return _ffi.buffer(buffer, size)[:]

    def sendKey(self, codeset, holdtime, keycodes, nkeycodes, flags=0):
        """Send the keys `keycodes` (a list of nkeycodes ints of `codeset`),
        held for `holdtime` ms. Returns 0."""
        failed = "virDomainSendKey"
        codeset = _uint(codeset, "codeset", failed)
        holdtime = _uint(holdtime, "holdtime", failed)
        nkeycodes = _int(nkeycodes, "nkeycodes", failed)
        flags = _uint(flags, "flags", failed)
        if not isinstance(keycodes, (list, tuple)):
            # libvirt-python fails (-1, its words) without calling libvirt.
            raise _core.ArgumentTypeError(failed + "() failed", failed,
                                          "keycodes", passed_on=True)
        if nkeycodes != len(keycodes):
            raise _core.ArgumentValueError(failed + "() failed", failed,
                                           "nkeycodes", passed_on=True)
        # Never NULL, also when empty: libvirt then reports the count.
        array = _new("unsigned int[]",
                     [_uint(k, "keycodes", failed) for k in keycodes] or 1)
        ret = _virDomainSendKey(self._o, codeset, holdtime, array, nkeycodes, flags)
        if ret < 0:
            raise _error("virDomainSendKey() failed")
        return ret

    # --- starting with files -----------------------------------------------------

    def createWithFiles(self, files, flags=0):
        """Start the defined domain, handing it the file descriptors `files`
        (a list of ints). Returns 0."""
        array, count = _core.int_array(files, "files")
        ret = _virDomainCreateWithFiles(self._o, count, array, _uint(flags, "flags"))
        if ret < 0:
            raise _error("virDomainCreateWithFiles() failed")
        return ret

    def FDAssociate(self, name, files, flags=0):
        """Associate the file descriptors `files` with the domain under
        `name`. Returns 0."""
        name = _core.cstr_checked(name, "name")
        array, count = _core.int_array(files, "files")
        ret = _virDomainFDAssociate(self._o, name, count, array, _uint(flags, "flags"))
        if ret < 0:
            raise _error("virDomainFDAssociate() failed")
        return ret

    # --- typed parameters without a getter ---------------------------------

    def migrate3(self, dconn, params, flags=0):
        """Migrate to the host of connection dconn with VIR_MIGRATE_PARAM_*
        parameters from a dict; returns the domain on the destination."""
        conn_cls = _core.classes["virConnect"]
        dconn_handle = _core.handle(dconn, conn_cls, "dconn")
        flags = _uint(flags, "flags")
        array, count, _keepalive = _typedparams.from_dict_hinted(
            params, _documented.MIGRATE, "migration params")
        ret = _virDomainMigrate3(self._o, dconn_handle, array, count, flags)
        if not ret:
            raise _error("virDomainMigrate3() failed")
        return _core.classes["virDomain"]._adopt(dconn, ret)

    def migrateToURI3(self, dconnuri, params, flags=0):
        """Migrate to the host at dconnuri (peer-to-peer) or the
        VIR_MIGRATE_PARAM_URI in params. Returns 0."""
        dconnuri = _cstr_or_null(dconnuri, "dconnuri")
        flags = _uint(flags, "flags")
        array, count, _keepalive = _typedparams.from_dict_hinted(
            params, _documented.MIGRATE, "migration params")
        ret = _virDomainMigrateToURI3(self._o, dconnuri, array, count, flags)
        if ret < 0:
            raise _error("virDomainMigrateToURI3() failed")
        return ret

    def saveParams(self, params, flags=0):
        """Save the domain's state as VIR_DOMAIN_SAVE_PARAM_* in params say.
        Returns 0."""
        flags = _uint(flags, "flags")
        array, count, _keepalive = _typedparams.from_dict_hinted(
            params, _documented.SAVE, "Save params")
        ret = _virDomainSaveParams(self._o, array, count, flags)
        if ret < 0:
            raise _error("virDomainSaveParams() failed")
        return ret

    def blockCopy(self, disk, destxml, params=None, flags=0):
        """Copy a disk to the destination destxml describes, tuned by
        VIR_DOMAIN_BLOCK_COPY_* parameters (a dict, or None). Returns 0."""
        disk = _cstr(disk, "disk", "virDomainBlockCopy")
        destxml = _cstr(destxml, "destxml", "virDomainBlockCopy")
        flags = _uint(flags, "flags")
        if params is None:
            array, count, _keepalive = _NULL, 0, None
        else:
            array, count, _keepalive = _typedparams.from_dict_hinted(
                params, _documented.BLOCK_COPY, "block params")
        ret = _virDomainBlockCopy(self._o, disk, destxml, array, count, flags)
        if ret < 0:
            raise _error("virDomainBlockCopy() failed")
        return ret

    def setLaunchSecurityState(self, params, flags=0):
        """Set launch security state (an SEV secret) from a dict. Returns 0."""
        flags = _uint(flags, "flags")
        array, count, _keepalive = _typedparams.from_dict_hinted(
            params, _documented.LAUNCH_SECURITY, "Launch security state params")
        ret = _virDomainSetLaunchSecurityState(self._o, array, count, flags)
        if ret < 0:
            raise _error("virDomainSetLaunchSecurityState() failed")
        return ret
