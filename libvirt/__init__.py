"""libvirt's Python binding, generated with cffi from libvirt's own API
description: a drop-in replacement for libvirt-python."""

from ._core import libvirtError  # noqa: F401
from ._generated import *  # noqa: F401,F403
from ._handwritten import *  # noqa: F401,F403
from ._auth import *  # noqa: F401,F403
from ._eventloop import *  # noqa: F401,F403


def __getattr__(name):
    """libvirt-python's typing aliases (its libvirtaio and test helpers
    annotate with them), made on first use: typing is slow to import."""
    import typing
    T = typing.TypeVar("_T")
    aliases = {
        "_T": T,
        "_EventCB": typing.Callable[[int, int, int, T], None],
        "_TimerCB": typing.Callable[[int, T], None],
        "_DomainCB": typing.Callable[["virConnect", "virDomain", int, int, T],
                                     typing.Optional[int]],
    }
    if name not in aliases:
        raise AttributeError("module 'libvirt' has no attribute %r" % name)
    globals().update(aliases)
    return aliases[name]
