#!/usr/bin/env python3
"""A storage pool's lifecycle, step by step: define, build, start, inspect,
create and list volumes, stop, delete and undefine.

Runs against libvirt's embedded test driver (test:///default) by default;
--uri points it at another libvirt, e.g. a private libvirtd's storage driver.
"""

import argparse
import os
import sys
import tempfile

import libvirt

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


def describe(pool) -> str:
    state, capacity, allocation, available = pool.info()
    return ("state=%s active=%d persistent=%d autostart=%d capacity=%d "
            "allocation=%d available=%d" % (
                POOL_STATES.get(state, state), pool.isActive(),
                pool.isPersistent(), pool.autostart(), capacity, allocation,
                available))


def run(uri: str, workdir: str, name: str) -> None:
    conn = libvirt.open(uri)
    print("connected to %s (libvirt %d, binding mode %s)"
          % (conn.getURI(), libvirt.getVersion(), libvirt._core.MODE))
    path = os.path.join(workdir, name)

    pool = conn.storagePoolDefineXML(POOL_XML.format(name=name, path=path), 0)
    print("defined  %-10s %s" % (pool.name(), describe(pool)))
    pool.build(0)
    print("built    %-10s target %s exists: %s" % (name, path, os.path.isdir(path)))
    pool.create(0)
    print("started  %-10s %s" % (name, describe(pool)))

    for volume, mib in (("disk-a.img", 4), ("disk-b.img", 8)):
        vol = pool.createXML(VOLUME_XML.format(name=volume, mib=mib), 0)
        kind, capacity, allocation = vol.info()
        print("volume   %-10s path=%s capacity=%d" % (vol.name(), vol.path(), capacity))
    print("volumes  %s (numOfVolumes=%d)" % (sorted(pool.listVolumes()),
                                             pool.numOfVolumes()))
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
    parser.add_argument("--uri", default="test:///default",
                        help="libvirt connection URI (default: %(default)s)")
    parser.add_argument("--name", default="demo-pool")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="libvirt-cffi-demo-") as workdir:
        # The daemon may run as another user: let it reach the directory.
        os.chmod(workdir, 0o755)
        run(args.uri, workdir, args.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
