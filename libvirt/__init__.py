"""libvirt's Python binding, generated with cffi from libvirt's own API
description: a drop-in replacement for libvirt-python."""

from ._core import libvirtError  # noqa: F401
from ._generated import *  # noqa: F401,F403
from ._handwritten import *  # noqa: F401,F403
from ._auth import *  # noqa: F401,F403
from ._eventloop import *  # noqa: F401,F403
from . import _objects

_objects.publish(globals(), __name__)     # the functions report this module


_ALIASES = ("_T", "_EventCB", "_TimerCB", "_DomainCB")


def __getattr__(name):
    """libvirt-python's low-level module `libvirtmod` (generated: about a
    millisecond to import), its typing aliases (its libvirtaio and test
    helpers annotate with them) and the enum classes of libvirt's enum types
    (libvirt.virDomainState(1).name == "VIR_DOMAIN_RUNNING"; beside the int
    constants, which stay ints), made on first use: typing and enum are slow
    to import. The enum classes stay out of dir() and globals() (libvirt-
    python has none; its tests take any callable they find in dir() for a
    function). Any other name is missing without importing anything (`from
    . import x` asks here first)."""
    if name == "libvirtmod":
        from . import _libvirtmod
        globals()["libvirtmod"] = _libvirtmod
        return _libvirtmod
    if name not in _ALIASES:
        if name.startswith("vir"):
            from ._enums import get
            return get(__name__, name)
        raise AttributeError("module 'libvirt' has no attribute %r" % name)
    import typing
    T = typing.TypeVar("_T")
    aliases = {
        "_T": T,
        "_EventCB": typing.Callable[[int, int, int, T], None],
        "_TimerCB": typing.Callable[[int, T], None],
        "_DomainCB": typing.Callable[["virConnect", "virDomain", int, int, T],
                                     typing.Optional[int]],
    }
    globals().update(aliases)
    return aliases[name]
