"""Hand-written virDomain methods on memory, block and interface
statistics, jobs, security labels, memory and disk peeks, keys, starting
with files (each described in
api-xml/domain-extra.xml).

They follow the hand-written layer's rules (libvirt/_core.py's docstring).
"""

from __future__ import annotations

import struct

from . import _core, _functions, _typedparams

_ffi = _core.ffi
_new = _ffi.new
_string = _ffi.string
_free = _core.free
_error = _core.error
_cstr = _core.cstr

# Integer arguments by their C type: refused (ArgumentRangeError, a
# libvirtError) outside its range, where libvirt-python would truncate.
_uint = _core.index_checker("unsigned int")
_int = _core.index_checker("int")
_ullong = _core.index_checker("unsigned long long")
_size = _core.index_checker("size_t")

_virDomainMemoryStats = _functions.virDomainMemoryStats
_virDomainBlockStats = _functions.virDomainBlockStats
_virDomainInterfaceStats = _functions.virDomainInterfaceStats
_virDomainGetBlockJobInfo = _functions.virDomainGetBlockJobInfo
_virDomainGetJobStats = _functions.virDomainGetJobStats
_virDomainGetSecurityLabel = _functions.virDomainGetSecurityLabel
_virDomainGetSecurityLabelList = _functions.virDomainGetSecurityLabelList
_virDomainBlockPeek = _functions.virDomainBlockPeek
_virDomainMemoryPeek = _functions.virDomainMemoryPeek
_virDomainSendKey = _functions.virDomainSendKey
_virDomainCreateWithFiles = _functions.virDomainCreateWithFiles
_virDomainFDAssociate = _functions.virDomainFDAssociate

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
_get_allocated = _typedparams.get_allocated


class DomainIO:
    """Mixed into virDomain (libvirt/_objects.py)."""

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
