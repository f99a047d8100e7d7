"""libvirt's Python binding, generated with cffi from libvirt's own API
description: a drop-in replacement for libvirt-python."""

from ._core import libvirtError, FunctionNotAvailable  # noqa: F401
from ._generated import *  # noqa: F401,F403
from ._handwritten import *  # noqa: F401,F403
from ._auth import *  # noqa: F401,F403
from ._eventloop import *  # noqa: F401,F403
