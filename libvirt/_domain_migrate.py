"""Hand-written virDomain methods on typed parameters without a
getter: migration, saving, block copy, launch security, throttle groups,
interface announcements (each described in api-xml/domain-extra.xml).

They follow the hand-written layer's rules (libvirt/_core.py's docstring).
"""

from __future__ import annotations

from . import _core, _functions, _typedparams
from . import _param_types as _documented     # generated: libvirt's documented types

_ffi = _core.ffi
_error = _core.error
_cstr = _core.cstr
_cstr_or_null = _core.cstr_or_null
_set_params_hinted = _typedparams.set_params_hinted

# Integer arguments by their C type: refused (ArgumentRangeError, a
# libvirtError) outside its range, where libvirt-python would truncate.
_uint = _core.index_checker("unsigned int")

_virDomainMigrate3 = _functions.virDomainMigrate3
_virDomainMigrateToURI3 = _functions.virDomainMigrateToURI3
_virDomainSaveParams = _functions.virDomainSaveParams
_virDomainBlockCopy = _functions.virDomainBlockCopy
_virDomainSetLaunchSecurityState = _functions.virDomainSetLaunchSecurityState
_virDomainSetThrottleGroup = _functions.virDomainSetThrottleGroup
_virDomainAnnounceInterface = _functions.virDomainAnnounceInterface

# The types of the typed parameters that have no getter to report them are
# libvirt's documented ones (_documented, generated). A field not listed
# takes its type from the Python value, as libvirt-python does: str ->
# STRING, bool -> BOOLEAN, int -> ULLONG (LLONG when negative), float ->
# DOUBLE; a list value gives one parameter per item.


class DomainMigrate:
    """Mixed into virDomain (libvirt/_objects.py)."""

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
        return _set_params_hinted(
            "virDomainMigrateToURI3", _virDomainMigrateToURI3, (self._o, dconnuri), params, (flags,),
            _documented.MIGRATE, "migration params")

    def saveParams(self, params, flags=0):
        """Save the domain's state as VIR_DOMAIN_SAVE_PARAM_* in params say.
        Returns 0."""
        flags = _uint(flags, "flags")
        return _set_params_hinted(
            "virDomainSaveParams", _virDomainSaveParams, (self._o,), params, (flags,),
            _documented.SAVE, "Save params")

    def blockCopy(self, disk, destxml, params=None, flags=0):
        """Copy a disk to the destination destxml describes, tuned by
        VIR_DOMAIN_BLOCK_COPY_* parameters (a dict, or None). Returns 0."""
        disk = _cstr(disk, "disk", "virDomainBlockCopy")
        destxml = _cstr(destxml, "destxml", "virDomainBlockCopy")
        flags = _uint(flags, "flags")
        return _set_params_hinted("virDomainBlockCopy", _virDomainBlockCopy,
                                  (self._o, disk, destxml),
                                  {} if params is None else params, (flags,),
                                  _documented.BLOCK_COPY, "block params")

    def setLaunchSecurityState(self, params, flags=0):
        """Set launch security state (an SEV secret) from a dict. Returns 0."""
        flags = _uint(flags, "flags")
        return _set_params_hinted(
            "virDomainSetLaunchSecurityState", _virDomainSetLaunchSecurityState, (self._o,), params, (flags,),
            _documented.LAUNCH_SECURITY, "Launch security state params")

    def setThrottleGroup(self, group, params, flags=0):
        """Add the throttle group `group` or replace its settings with
        VIR_DOMAIN_BLOCK_IOTUNE_* values from a dict. Returns 0."""
        group = _cstr(group, "group", "virDomainSetThrottleGroup")
        flags = _uint(flags, "flags")
        return _set_params_hinted(
            "virDomainSetThrottleGroup", _virDomainSetThrottleGroup, (self._o, group), params, (flags,),
            _documented.BLOCK_IOTUNE, "throttle group params")

    def announceInterface(self, device, params, flags=0):
        """Make the guest announce the interface `device` (a name or MAC
        address; None: every interface), paced by VIR_DOMAIN_ANNOUNCE_INTERFACE_*
        values from a dict. Returns 0."""
        device = _cstr_or_null(device, "device")
        flags = _uint(flags, "flags")
        return _set_params_hinted(
            "virDomainAnnounceInterface", _virDomainAnnounceInterface, (self._o, device), params, (flags,),
            _documented.ANNOUNCE_INTERFACE, "announce params")
