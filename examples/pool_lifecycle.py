#!/usr/bin/env python3
"""A storage pool's lifecycle, step by step: define, build, start, inspect,
create and list volumes, stop, delete and undefine.

Runs against libvirt's embedded test driver (test:///default) by default,
which keeps everything in memory; --daemon starts a private libvirtd with the
real storage driver (tools/private_libvirtd.py), where the directories and
volume files appear on disk; --uri points it at any other libvirt.
"""

import argparse
import io
import os
import sys
import tempfile

import libvirt
import libvirt_cffi

POOL_STATES = {libvirt.VIR_STORAGE_POOL_INACTIVE: "inactive",
               libvirt.VIR_STORAGE_POOL_BUILDING: "building",
               libvirt.VIR_STORAGE_POOL_RUNNING: "running",
               libvirt.VIR_STORAGE_POOL_DEGRADED: "degraded",
               libvirt.VIR_STORAGE_POOL_INACCESSIBLE: "inaccessible"}

POOL_XML = """<pool type='dir'>
  <name>{name}</name>
  <target><path>{path}</path></target>
</pool>"""

VOLUME_XML = """<volume>
  <name>{name}</name>
  <capacity unit='MiB'>{mib}</capacity>
  <target><format type='raw'/></target>
</volume>"""


def describe(pool: libvirt.virStoragePool) -> str:
    state, capacity, allocation, available = pool.info()
    return ("state=%s active=%d persistent=%d autostart=%d capacity=%d "
            "allocation=%d available=%d" % (
                POOL_STATES.get(state, state), pool.isActive(),
                pool.isPersistent(), pool.autostart(), capacity, allocation,
                available))


def copy_through_streams(conn: libvirt.virConnect, vol: libvirt.virStorageVol) -> None:
    """Upload bytes into a volume and download them back."""
    data = bytes(range(256)) * 4096         # 1 MiB
    try:
        upload = conn.newStream(0)
        vol.upload(upload, 0, len(data), 0)
    except libvirt.libvirtError as error:
        if error.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        print("streams  upload/download: not supported by this driver")
        return
    upload.sendAll(lambda stream, nbytes, source: source.read(nbytes), io.BytesIO(data))
    upload.finish()
    download = conn.newStream(0)
    vol.download(download, 0, len(data), 0)
    received = io.BytesIO()
    download.recvAll(lambda stream, chunk, sink: sink.write(chunk), received)
    download.finish()
    print("streams  uploaded %d bytes to %s, downloaded them back: %s"
          % (len(data), vol.name(), "identical" if received.getvalue() == data
             else "DIFFERENT"))


def run(uri: str, workdir: str, name: str) -> None:
    conn = libvirt.open(uri)
    print("connected to %s (libvirt %d, binding mode %s)"
          % (conn.getURI(), libvirt.getVersion(), libvirt_cffi.MODE))
    path = os.path.join(workdir, name)

    pool = conn.storagePoolDefineXML(POOL_XML.format(name=name, path=path), 0)
    print("defined  %-10s %s" % (pool.name(), describe(pool)))
    pool.build(0)
    print("built    %-10s target %s on disk: %s" % (name, path, os.path.isdir(path)))
    pool.create(0)
    print("started  %-10s %s" % (name, describe(pool)))

    for volume, mib in (("disk-a.img", 4), ("disk-b.img", 8)):
        vol = pool.createXML(VOLUME_XML.format(name=volume, mib=mib), 0)
        kind, capacity, allocation = vol.info()
        print("volume   %-10s path=%s capacity=%d on disk: %s"
              % (vol.name(), vol.path(), capacity, os.path.exists(vol.path())))
    print("volumes  %s (numOfVolumes=%d)" % (sorted(pool.listVolumes()),
                                             pool.numOfVolumes()))
    copy_through_streams(conn, pool.storageVolLookupByName("disk-a.img"))
    for vol in pool.listAllVolumes(0):
        vol.delete(0)
    pool.refresh(0)
    print("emptied  %-10s volumes now %s" % (name, pool.listVolumes()))

    pool.destroy()
    print("stopped  %-10s %s" % (name, describe(pool)))
    pool.delete(0)
    pool.undefine()
    remaining = [p.name() for p in conn.listAllStoragePools(0)]
    print("undefined %s; pools left: %s" % (name, remaining))
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--uri", default="test:///default",
                       help="libvirt connection URI (default: %(default)s)")
    where.add_argument("--daemon", action="store_true",
                       help="start a private libvirtd (storage driver) and use it")
    parser.add_argument("--name", default="demo-pool")
    args = parser.parse_args()
    if args.daemon:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), "tools"))
        from private_libvirtd import PrivateLibvirtd  # type: ignore[import-not-found]
        with PrivateLibvirtd() as daemon:
            print("started a private libvirtd (storage driver only) as %s" % daemon.user)
            run(daemon.uri, daemon.workdir, args.name)
        return 0
    with tempfile.TemporaryDirectory(prefix="libvirt-cffi-demo-") as workdir:
        run(args.uri, workdir, args.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
