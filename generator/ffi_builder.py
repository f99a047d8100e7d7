"""The cffi builder setuptools runs (setup.py's cffi_modules): the mode is
chosen by generator.build.choose_mode(), the API description by
generator.sources."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from generator import build  # noqa: E402

MODE, WHY = build.choose_mode()
print("libvirt-cffi: building in %s mode (%s)" % (MODE.upper(), WHY))
print("libvirt-cffi: API description: %s" % build.description(MODE)[1])
ffi = build.make_ffi(build.load(mode=MODE), MODE)
