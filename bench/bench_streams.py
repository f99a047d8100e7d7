#!/usr/bin/env python3
"""A 100 MB volume upload and download through virStream (sendAll and
recvAll), ours against the reference, on one private libvirtd with the real
storage driver, in one run.

    python3 bench/bench_streams.py [--mib 100] [--rounds 3] [--ours PY] [--ref PY]

Each interpreter runs the same snippet in a subprocess (both bindings install
a top-level ``libvirt``); the best time of --rounds is kept.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import reference_env  # noqa: E402
from private_libvirtd import PrivateLibvirtd  # noqa: E402

# Run by each interpreter: upload then download the volume, timing each.
SNIPPET = r"""
import json, sys, time, libvirt
uri, pool_name, vol_name, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = libvirt.open(uri)
vol = conn.storagePoolLookupByName(pool_name).storageVolLookupByName(vol_name)
chunk = bytes(range(256)) * 1024
sent = [0]

def source(stream, nbytes, _):
    want = min(nbytes, size - sent[0])
    sent[0] += want
    return chunk[:want] if want <= len(chunk) else (chunk * (want // len(chunk) + 1))[:want]

received = [0]

def sink(stream, data, _):
    received[0] += len(data)
    return len(data)

started = time.perf_counter()
stream = conn.newStream(0)
vol.upload(stream, 0, size, 0)
stream.sendAll(source, None)
stream.finish()
upload = time.perf_counter() - started
started = time.perf_counter()
stream = conn.newStream(0)
vol.download(stream, 0, size, 0)
stream.recvAll(sink, None)
stream.finish()
download = time.perf_counter() - started
assert received[0] == size, received[0]
json.dump({"upload": upload, "download": download}, sys.stdout)
"""


def run(python: str, uri: str, size: int) -> dict:
    out = subprocess.run([python, "-I", "-c", SNIPPET, uri, "bench-pool", "bench.img",
                          str(size)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def measure(pythons: dict, mib: int, rounds: int) -> dict:
    """{name: {"upload": s, "download": s}}, the best of `rounds`, for each
    {name: python} on one private libvirtd."""
    size = mib * 1024 * 1024
    first = next(iter(pythons.values()))
    with PrivateLibvirtd() as daemon:
        setup = ("import libvirt, sys; c = libvirt.open(sys.argv[1]); "
                 "p = c.storagePoolDefineXML(\"<pool type='dir'><name>bench-pool</name>"
                 "<target><path>%s/bench-pool</path></target></pool>\", 0); "
                 "p.build(0); p.create(0); "
                 "p.createXML(\"<volume><name>bench.img</name><capacity>%d</capacity>"
                 "<target><format type='raw'/></target></volume>\", 0)"
                 % (daemon.workdir, size))
        subprocess.run([first, "-I", "-c", setup, daemon.uri], check=True)
        best = {name: {"upload": float("inf"), "download": float("inf")} for name in pythons}
        for _ in range(rounds):
            for name, python in pythons.items():
                for step, seconds in run(python, daemon.uri, size).items():
                    best[name][step] = min(best[name][step], seconds)
    return best


def report(best: dict, mib: int, rounds: int) -> str:
    lines = ["%d MiB through virStream, best of %d (MiB/s; ratio = ours time / reference time)"
             % (mib, rounds)]
    for step in ("upload", "download"):
        ref, ours = best["reference"][step], best["ours"][step]
        lines.append("  %-9s reference %7.1f MiB/s   ours %7.1f MiB/s   ratio %.2f"
                     % (step, mib / ref, mib / ours, ours / ref))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ours", default=str(REPO / ".venv" / "bin" / "python"))
    parser.add_argument("--ref", default=None)
    args = parser.parse_args()
    pythons = {"reference": args.ref or str(reference_env.ensure()), "ours": args.ours}
    print(report(measure(pythons, args.mib, args.rounds), args.mib, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
