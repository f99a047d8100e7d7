"""virConnect, virNetwork and virSecret methods whose libvirt-python shape
is written by hand (each described in api-xml/host-extra.xml).

Each converts its Python arguments before calling libvirt (bad input is
refused as in the _domain_* modules, never a libvirt call with garbage),
reads libvirt's error right after a failing call, and frees what libvirt
allocated for the caller even when a conversion fails half-way."""

from __future__ import annotations

from . import _core, _cpumap, _functions, _typedparams
from . import _param_types as _documented     # generated: libvirt's documented types

_ffi = _core.ffi
_NULL = _core.NULL
_free = _core.free
_string = _core.ffi.string
_classes = _core.classes


_virNodeGetCPUStats = _functions.virNodeGetCPUStats
_virNodeGetMemoryStats = _functions.virNodeGetMemoryStats
_virNodeGetCellsFreeMemory = _functions.virNodeGetCellsFreeMemory
_virNodeGetFreePages = _functions.virNodeGetFreePages
_virNodeAllocPages = _functions.virNodeAllocPages
_virNodeGetCPUMap = _functions.virNodeGetCPUMap
_virConnectGetCPUModelNames = _functions.virConnectGetCPUModelNames
_virConnectBaselineCPU = _functions.virConnectBaselineCPU
_virConnectBaselineHypervisorCPU = _functions.virConnectBaselineHypervisorCPU
_virConnectGetAllDomainStats = _functions.virConnectGetAllDomainStats
_virDomainListGetStats = _functions.virDomainListGetStats
_virDomainStatsRecordListFree = _functions.virDomainStatsRecordListFree
_virDomainRef = _functions.virDomainRef
_virConnectSetIdentity = _functions.virConnectSetIdentity
_virDomainRestoreParams = _functions.virDomainRestoreParams
_virDomainCreateXMLWithFiles = _functions.virDomainCreateXMLWithFiles
_virNetworkGetDHCPLeases = _functions.virNetworkGetDHCPLeases
_virNetworkDHCPLeaseFree = _functions.virNetworkDHCPLeaseFree
_virSecretGetValue = _functions.virSecretGetValue
_virSecretSetValue = _functions.virSecretSetValue


# --- argument conversions -------------------------------------------------------
# Integer arguments by their C type: refused (ArgumentRangeError, a
# libvirtError) outside its range, where libvirt-python would truncate.

_int = _core.index_checker("int")
_uint = _core.index_checker("unsigned int")
_ullong = _core.index_checker("unsigned long long")


# --- results -------------------------------------------------------------------

def _cpu_xmls(xmlCPUs):
    """The baseline functions' array of CPU XMLs: never NULL for an empty
    list (libvirt refuses NULL; libvirt-python passes an empty array and
    the driver answers)."""
    array, count, keep = _core.string_array(xmlCPUs, "xmlCPUs")
    if array == _NULL:
        array = _ffi.new("char *[1]")
    return array, count, keep


def _stats_records(conn, records, count):
    """[(virDomain, dict)] from a virDomainStatsRecordPtr array; each
    virDomain takes its own reference. The caller frees the array."""
    adopt = _classes["virDomain"]._adopt
    to_dict = _typedparams.to_dict
    result = []
    for record in (_ffi.unpack(records, count) if count > 0 else ()):
        dom = record.dom
        _virDomainRef(dom)
        result.append((adopt(conn, dom), to_dict(record.params, record.nparams)))
    return result


def _stats_dict(function, name, conn, number, flags, ctype):
    """virNodeGetCPUStats/virNodeGetMemoryStats: {field: value}."""
    number = _int(number, "number", name)
    flags = _uint(flags, "flags", name)
    count = _ffi.new("int *", 0)
    if function(conn, number, _NULL, count, flags) < 0:
        raise _core.error(name + "() failed")
    allocated = count[0]
    if allocated <= 0:
        return {}
    stats = _ffi.new(ctype + "[]", allocated)
    if function(conn, number, stats, count, flags) < 0:
        raise _core.error(name + "() failed")
    return {_string(stats[i].field).decode("utf-8"): stats[i].value
            for i in range(min(count[0], allocated))}


class ConnectionExtra:
    """Mixed into virConnect (libvirt/_objects.py)."""

    def getCPUStats(self, cpuNum, flags=0):
        """The host's CPU statistics, {field: nanoseconds}, of CPU cpuNum or
        of all of them (VIR_NODE_CPU_STATS_ALL_CPUS)."""
        return _stats_dict(_virNodeGetCPUStats, "virNodeGetCPUStats", self._o,
                           cpuNum, flags, "virNodeCPUStats")

    def getMemoryStats(self, cellNum, flags=0):
        """The host's memory statistics, {field: KiB}, of NUMA cell cellNum
        or of all of them (VIR_NODE_MEMORY_STATS_ALL_CELLS)."""
        return _stats_dict(_virNodeGetMemoryStats, "virNodeGetMemoryStats", self._o,
                           cellNum, flags, "virNodeMemoryStats")

    def getCellsFreeMemory(self, startCell, maxCells):
        """The free memory in bytes of up to maxCells NUMA cells from
        startCell, as a list."""
        failed = "virNodeGetCellsFreeMemory"
        startCell = _int(startCell, "startCell", failed)
        maxCells = _int(maxCells, "maxCells", failed)
        # libvirt-python's limits (which bound the buffer allocated here);
        # it fails outside them without calling libvirt, in its words.
        if startCell < 0 or maxCells <= 0 or startCell + maxCells > 10000:
            raise _core.ArgumentValueError(failed + "() failed", failed,
                                           "maxCells", passed_on=True)
        free_mems = _ffi.new("unsigned long long[]", maxCells)
        ret = _virNodeGetCellsFreeMemory(self._o, free_mems, startCell, maxCells)
        if ret < 0:
            raise _core.error("virNodeGetCellsFreeMemory() failed")
        return [free_mems[i] for i in range(min(ret, maxCells))]

    def getFreePages(self, pages, startCell, maxCells, flags=0):
        """Free pages of each size in `pages` (a list of page sizes in KiB)
        on maxCells NUMA cells from startCell: {cell: {page size: count}}."""
        failed = "virNodeGetFreePages"
        sizes, npages = _core.int_array(pages, "pages", "unsigned int")
        startCell = _int(startCell, "startCell", failed)
        maxCells = _uint(maxCells, "cellCount", failed)
        if maxCells == 0:
            raise LookupError("cellCount must not be zero")
        flags = _uint(flags, "flags", failed)
        length = max(npages * maxCells, 1)
        counts = _ffi.new("unsigned long long[]", length)
        ret = _virNodeGetFreePages(self._o, npages, sizes, startCell, maxCells,
                                   counts, flags)
        if ret < 0:
            raise _core.error("virNodeGetFreePages() failed")
        result = {}
        if npages == 0:
            return result
        for i in range(0, min(ret, npages * maxCells), npages):
            result[startCell + i // npages] = {
                sizes[j]: counts[i + j] for j in range(npages)}
        return result

    def allocPages(self, pages, startCell=0, cellCount=0, flags=0):
        """Allocate or free huge pages: `pages` maps page size (KiB) to
        count. Returns the number of nodes changed."""
        failed = "virNodeAllocPages"
        startCell = _int(startCell, "startCell", failed)
        cellCount = _uint(cellCount, "cellCount", failed)
        flags = _uint(flags, "flags", failed)
        if not isinstance(pages, dict):
            raise TypeError("pages must be a dict, not %s" % type(pages).__name__)
        if not pages:
            raise LookupError("Need non-empty dictionary to pages attribute")
        sizes = _ffi.new("unsigned int[]", len(pages))
        counts = _ffi.new("unsigned long long[]", len(pages))
        for i, (size, count) in enumerate(pages.items()):
            sizes[i] = _uint(size, "pageSizes", failed)
            counts[i] = _ullong(count, "pageCounts", failed)
        ret = _virNodeAllocPages(self._o, len(pages), sizes, counts, startCell,
                                 cellCount, flags)
        if ret == -1:
            raise _core.error("virNodeAllocPages() failed")
        return ret

    def getCPUMap(self, flags=0):
        """(number of host CPUs, [online?] per CPU, number online)."""
        flags = _uint(flags, "flags")
        cpumap = _ffi.new("unsigned char **")
        online = _ffi.new("unsigned int *")
        ret = _virNodeGetCPUMap(self._o, cpumap, online, flags)
        if ret < 0:
            raise _core.error("virNodeGetCPUMap() failed")
        bits = cpumap[0]
        try:
            used = _cpumap.read(bits, _cpumap.maplen(ret), ret)
        finally:
            _free(bits)
        return (ret, used, online[0])

    def getCPUModelNames(self, arch, flags=0):
        """The names of the CPU models libvirt knows for `arch`."""
        c_arch = _core.cstr_checked(arch, "arch")
        flags = _uint(flags, "flags")
        models = _ffi.new("char ***")
        ret = _virConnectGetCPUModelNames(self._o, c_arch, models, flags)
        if ret == -1:
            raise _core.error("virConnectGetCPUModelNames() failed")
        if models[0] == _NULL:
            return []
        return _core.take_string_array(models[0], ret)

    def baselineCPU(self, xmlCPUs, flags=0):
        """The XML of the most feature-rich CPU compatible with all the CPUs
        described in xmlCPUs (a list of XML strings)."""
        flags = _uint(flags, "flags")
        array, count, _keep = _cpu_xmls(xmlCPUs)
        ret = _virConnectBaselineCPU(self._o, array, count, flags)
        if ret == _NULL:
            raise _core.error("virConnectBaselineCPU() failed")
        return _core.take_string(ret)

    def baselineHypervisorCPU(self, emulator, arch, machine, virttype, xmlCPUs,
                              flags=0):
        """baselineCPU for CPUs that the given hypervisor (emulator, arch,
        machine and virttype, each None for the default) can provide."""
        c_emulator = _core.cstr_or_null(emulator, "emulator")
        c_arch = _core.cstr_or_null(arch, "arch")
        c_machine = _core.cstr_or_null(machine, "machine")
        c_virttype = _core.cstr_or_null(virttype, "virttype")
        flags = _uint(flags, "flags")
        array, count, _keep = _cpu_xmls(xmlCPUs)
        ret = _virConnectBaselineHypervisorCPU(self._o, c_emulator, c_arch, c_machine,
                                               c_virttype, array, count, flags)
        if ret == _NULL:
            raise _core.error("virConnectBaselineHypervisorCPU() failed")
        return _core.take_string(ret)

    def getAllDomainStats(self, stats=0, flags=0):
        """Statistics of every domain (filtered by flags): a list of
        (virDomain, {statistic: value}); `stats` selects the groups
        (VIR_DOMAIN_STATS_*, 0 for all)."""
        stats = _uint(stats, "stats")
        flags = _uint(flags, "flags")
        records = _ffi.new("virDomainStatsRecordPtr **")
        ret = _virConnectGetAllDomainStats(self._o, stats, records, flags)
        if ret < 0:
            raise _core.error("virConnectGetAllDomainStats() failed")
        try:
            return _stats_records(self, records[0], ret)
        finally:
            _virDomainStatsRecordListFree(records[0])

    def domainListGetStats(self, doms, stats=0, flags=0):
        """getAllDomainStats for the domains in `doms`."""
        cls = _classes["virDomain"]
        doms = list(doms)
        for dom in doms:
            if not isinstance(dom, cls):
                # libvirt-python's libvirtError, in its words.
                raise _core.ArgumentTypeError(
                    "domain list contains non-domain elements",
                    "virDomainListGetStats", "doms")
        stats = _uint(stats, "stats")
        flags = _uint(flags, "flags")
        array = _ffi.new("virDomainPtr[]", len(doms) + 1)     # NULL-terminated
        for i, dom in enumerate(doms):
            array[i] = dom._o
        records = _ffi.new("virDomainStatsRecordPtr **")
        ret = _virDomainListGetStats(array, stats, records, flags)
        if ret < 0:
            raise _core.error("virDomainListGetStats() failed")
        try:
            return _stats_records(self, records[0], ret)
        finally:
            _virDomainStatsRecordListFree(records[0])

    def setIdentity(self, params, flags=0):
        """Override the identity the daemon sees for this connection, from
        {VIR_CONNECT_IDENTITY_*: value}. Returns 0."""
        c_params, count, _keep = _typedparams.from_dict_hinted(
            params, _documented.IDENTITY, "identity params")
        flags = _uint(flags, "flags")
        if _virConnectSetIdentity(self._o, c_params, count, flags) < 0:
            raise _core.error("virConnectSetIdentity() failed")
        return 0

    def restoreParams(self, params, flags=0):
        """Restore a domain saved to disk, as given by
        {VIR_DOMAIN_SAVE_PARAM_*: value}."""
        c_params, count, _keep = _typedparams.from_dict_hinted(
            params, _documented.SAVE, "restore params")
        flags = _uint(flags, "flags")
        ret = _virDomainRestoreParams(self._o, c_params, count, flags)
        if ret == -1:
            raise _core.error("virDomainRestoreParams() failed")
        return ret

    def createXMLWithFiles(self, xmlDesc, files, flags=0):
        """createXML, passing the file descriptors `files` (a list of int)
        to the guest's init process."""
        c_xml = _core.cstr(xmlDesc, "xmlDesc", "virDomainCreateXMLWithFiles")
        fds, count = _core.int_array(files, "files")
        flags = _uint(flags, "flags")
        ret = _virDomainCreateXMLWithFiles(self._o, c_xml, count, fds, flags)
        if ret == _NULL:
            raise _core.error("virDomainCreateXMLWithFiles() failed")
        return _classes["virDomain"]._adopt(self, ret)


_LEASE_STRINGS = ("iface", "mac", "ipaddr", "hostname", "clientid", "iaid")


class NetworkExtra:
    """Mixed into virNetwork."""

    def DHCPLeases(self, mac=None, flags=0):
        """The network's DHCP leases (of the interface with MAC address
        `mac` only, if given), each a dict."""
        c_mac = _core.cstr_or_null(mac, "mac")
        flags = _uint(flags, "flags")
        leases = _ffi.new("virNetworkDHCPLeasePtr **")
        ret = _virNetworkGetDHCPLeases(self._o, c_mac, leases, flags)
        if ret < 0:
            raise _core.error("virNetworkGetDHCPLeases() failed")
        text = _core.text

        def convert(lease):
            return {
                "iface": text(lease.iface),
                "expirytime": lease.expirytime,
                "type": lease.type,
                "mac": text(lease.mac),
                "ipaddr": text(lease.ipaddr),
                "prefix": lease.prefix,
                "hostname": text(lease.hostname),
                "clientid": text(lease.clientid),
                "iaid": text(lease.iaid),
            }
        return _core.take_struct_array(leases[0], ret, convert, _virNetworkDHCPLeaseFree,
                                       "virNetworkGetDHCPLeases() failed")


class SecretExtra:
    """Mixed into virSecret."""

    def value(self, flags=0):
        """The secret's value, as bytes."""
        flags = _uint(flags, "flags")
        size = _ffi.new("size_t *")
        ret = _virSecretGetValue(self._o, size, flags)
        if ret == _NULL:
            raise _core.error("virSecretGetValue() failed")
        try:
            return bytes(_ffi.buffer(ret, size[0]))
        finally:
            _free(ret)

    def setValue(self, value, flags=0):
        """Set the secret's value: bytes (or any bytes-like object), or a
        str, stored UTF-8 encoded."""
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif value is None:     # libvirt-python passes NULL: libvirt refuses it
            raise _core.null_refused("value", "virSecretSetValue")
        try:
            data = _ffi.from_buffer("unsigned char[]", value)
        except TypeError:
            raise TypeError("value must be bytes or str, not %s"
                            % type(value).__name__) from None
        size = len(data)
        if size == 0:       # a valid pointer to no bytes, as a C caller has
            data = _ffi.new("unsigned char[1]")
        flags = _uint(flags, "flags")
        ret = _virSecretSetValue(self._o, data, size, flags)
        if ret == -1:
            raise _core.error("virSecretSetValue() failed")
        return ret
