"""pytest plugin (-p collect_after_each_test): a garbage collection after
each test where the interpreter does not count references (PyPy).

libvirt-python's own tests drop connections without close() and expect the
next test to find test:///default fresh; CPython frees them as the test
ends, PyPy only when its collector runs. Nothing else keeps them: the tests
pass on CPython with gc disabled, and one collection here frees them
(tools/libvirt_python_tests.py, README "PyPy")."""

import gc
import sys

import pytest

if sys.implementation.name != "cpython":
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(item, nextitem):
        yield
        # PyPy finalizes an object only after those whose __del__ can
        # reach it: libvirt-python's own layer (a snapshot holds its
        # domain, which holds its connection) takes one round per level.
        for _ in range(3):
            gc.collect()
