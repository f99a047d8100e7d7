"""CPU maps (one bit per host CPU, VIR_CPU_MAPLEN bytes) in and out: the one
decoding and the one encoding every method with a CPU map uses."""

from __future__ import annotations

from . import _core

_ffi = _core.ffi
_new = _ffi.new
_buffer = _ffi.buffer


def maplen(cpus: int) -> int:
    """VIR_CPU_MAPLEN: the bytes of a map of `cpus` CPUs."""
    return (cpus + 7) // 8


def flags(raw: bytes, offset: int, cpus: int, end=None) -> list:
    """The bits of the map starting at byte `offset` of `raw`, one bool per
    CPU; a CPU whose byte lies at or past `end` (default: the end of raw)
    is False."""
    if end is None:
        end = len(raw)
    return [offset + (cpu >> 3) < end and bool(raw[offset + (cpu >> 3)] & (1 << (cpu & 7)))
            for cpu in range(cpus)]


def read(pointer, length: int, cpus: int) -> list:
    """flags() of a C map of `length` bytes (NULL or empty: all False)."""
    if not pointer or length <= 0:
        return [False] * cpus
    return flags(bytes(_buffer(pointer, length)), 0, cpus)


def encode(cpumap, cpus: int):
    """A tuple (or list) of bools as a C map of `cpus` CPUs (entries past
    them are ignored, as in libvirt-python): (unsigned char[], maplen)."""
    if not isinstance(cpumap, (tuple, list)):
        raise TypeError("Unexpected type, tuple is required")
    length = maplen(cpus)
    buffer = _new("unsigned char[]", max(length, 1))
    for cpu, flag in enumerate(cpumap[:cpus]):
        if flag:
            buffer[cpu >> 3] |= 1 << (cpu & 7)
    return buffer, length
