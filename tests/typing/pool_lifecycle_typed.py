"""A storage pool's lifecycle with typed calls (see connect_and_domains.py)."""

from __future__ import annotations

import sys
import tempfile
from typing import List

import libvirt

POOL = "<pool type='dir'><name>typed-pool</name><target><path>%s</path></target></pool>"
VOLUME = "<volume><name>%s</name><capacity unit='MiB'>1</capacity></volume>"


def main(uri: str = "test:///default") -> int:
    conn = libvirt.open(uri)
    with tempfile.TemporaryDirectory() as path:
        pool: libvirt.virStoragePool = conn.storagePoolDefineXML(POOL % path, 0)
        pool.build(0)
        pool.create(0)
        state, capacity, allocation, available = pool.info()
        print(libvirt.virStoragePoolState(state).name, capacity >= allocation, available)
        vol: libvirt.virStorageVol = pool.createXML(VOLUME % "a.img", 0)
        kind, vcapacity, vallocation = vol.info()
        names: List[str] = pool.listVolumes()
        vols: List[libvirt.virStorageVol] = pool.listAllVolumes(0)
        print(vol.path(), vol.key(), kind, vcapacity, names, [v.name() for v in vols])
        parent: libvirt.virStoragePool = vol.storagePoolLookupByVolume()
        assert parent.name() == pool.name()
        for v in vols:
            v.delete(0)
        pool.destroy()
        pool.undefine()
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
