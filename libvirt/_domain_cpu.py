"""Hand-written virDomain methods on virtual CPUs and their
pinning, IOThreads, CPU statistics and the scheduler (each described in
api-xml/domain-extra.xml).

They follow the hand-written layer's rules (libvirt/_core.py's docstring).
"""

from __future__ import annotations

from . import _core, _cpumap, _functions, _typedparams
from . import _param_types as _documented     # generated: libvirt's documented types
from ._typedparams import PARAMS as _PARAMS, from_dict as _from_dict, to_dict as _to_dict

_ffi = _core.ffi
_NULL = _ffi.NULL
_new = _ffi.new
_free = _core.free
_error = _core.error

# Integer arguments by their C type: refused (ArgumentRangeError, a
# libvirtError) outside its range, where libvirt-python would truncate.
_uint = _core.index_checker("unsigned int")

_virDomainGetConnect = _functions.virDomainGetConnect
_virNodeGetCPUMap = _functions.virNodeGetCPUMap
_virDomainGetInfo = _functions.virDomainGetInfo
_virTypedParamsClear = _functions.virTypedParamsClear
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
_virDomainGetCPUStats = _functions.virDomainGetCPUStats
_virDomainGetSchedulerType = _functions.virDomainGetSchedulerType
_virDomainGetSchedulerParameters = _functions.virDomainGetSchedulerParameters
_virDomainGetSchedulerParametersFlags = _functions.virDomainGetSchedulerParametersFlags
_virDomainSetSchedulerParameters = _functions.virDomainSetSchedulerParameters
_virDomainSetSchedulerParametersFlags = _functions.virDomainSetSchedulerParametersFlags
_CPU_STATS_CHUNK = 128          # CPUs asked for per virDomainGetCPUStats call


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
_kinds = _typedparams.kinds
_take_structs = _core.take_struct_array


class DomainCPU:
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
        return _typedparams.set_params_hinted(
            "virDomainSetIOThreadParams", _virDomainSetIOThreadParams,
            (self._o, iothread_val), params, (flags,), _documented.IOTHREAD,
            "IOThread polling params")

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
