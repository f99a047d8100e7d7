"""Hand-written virDomain methods on the guest: its clock, disk
errors, file systems, interface addresses, SSH keys and messages (each described in
api-xml/domain-extra.xml).

They follow the hand-written layer's rules (libvirt/_core.py's docstring).
"""

from __future__ import annotations

from . import _core, _functions

_ffi = _core.ffi
_NULL = _ffi.NULL
_new = _ffi.new
_free = _core.free
_error = _core.error

# Integer arguments by their C type: refused (ArgumentRangeError, a
# libvirtError) outside its range, where libvirt-python would truncate.
_uint = _core.index_checker("unsigned int")
_llong = _core.index_checker("long long")

_virDomainGetTime = _functions.virDomainGetTime
_virDomainSetTime = _functions.virDomainSetTime
_virDomainGetDiskErrors = _functions.virDomainGetDiskErrors
_virDomainGetFSInfo = _functions.virDomainGetFSInfo
_virDomainFSInfoFree = _functions.virDomainFSInfoFree
_virDomainFSFreeze = _functions.virDomainFSFreeze
_virDomainFSThaw = _functions.virDomainFSThaw
_virDomainInterfaceAddresses = _functions.virDomainInterfaceAddresses
_virDomainInterfaceFree = _functions.virDomainInterfaceFree
_virDomainAuthorizedSSHKeysGet = _functions.virDomainAuthorizedSSHKeysGet
_virDomainAuthorizedSSHKeysSet = _functions.virDomainAuthorizedSSHKeysSet
_virDomainGetMessages = _functions.virDomainGetMessages

_take_structs = _core.take_struct_array


class DomainGuest:
    """Mixed into virDomain (libvirt/_objects.py)."""

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
        return self._on_file_systems(_virDomainFSFreeze, "virDomainFSFreeze",
                                     mountpoints, flags)

    def fsThaw(self, mountpoints=None, flags=0):
        """Thaw the guest's file systems (all when mountpoints is None).
        Returns how many were thawed."""
        return self._on_file_systems(_virDomainFSThaw, "virDomainFSThaw",
                                     mountpoints, flags)

    def _on_file_systems(self, function, name, mountpoints, flags):
        # None (or []) is NULL: all of them; anything but a list or tuple is
        # refused (libvirt-python would take it as "all").
        array, count, _keepalive = _core.string_array(mountpoints, "mountpoints",
                                                      allow_none=True)
        ret = function(self._o, array, count, _uint(flags, "flags"))
        if ret < 0:
            raise _error("%s() failed" % name)
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
