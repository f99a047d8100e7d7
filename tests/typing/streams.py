"""Streams: send and receive bytes, with handlers."""

from __future__ import annotations

import io
import sys

import libvirt


def main(uri: str = "test:///default") -> int:
    conn = libvirt.open(uri)
    pool = conn.storagePoolLookupByName("default-pool")
    vol = pool.createXML("<volume><name>s.img</name><capacity>65536</capacity></volume>", 0)
    data = bytes(range(256)) * 256
    try:
        upload: libvirt.virStream = conn.newStream(0)
        vol.upload(upload, 0, len(data), 0)
        upload.sendAll(lambda stream, nbytes, source: source.read(nbytes), io.BytesIO(data))
        upload.finish()
        download = conn.newStream(libvirt.VIR_STREAM_NONBLOCK * 0)
        vol.download(download, 0, len(data), 0)
        sink = io.BytesIO()
        download.recvAll(lambda stream, chunk, out: out.write(chunk), sink)
        download.finish()
        print("round trip", sink.getvalue() == data)
        raw = conn.newStream(0)
        vol.download(raw, 0, 16, 0)
        chunk = raw.recv(16)
        if isinstance(chunk, bytes):
            print(len(chunk))
        raw.abort()
    except libvirt.libvirtError as error:
        print("streams:", error.get_error_message())
    finally:
        vol.delete(0)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
