"""What the binding tells about libvirt versions: libvirt.getVersion(), and
libvirt_cffi's answers on the loaded library."""

import shutil
import subprocess

import pytest

import libvirt
import libvirt_cffi
import row
from conftest import loaded_libvirt_version


def _pkg_config_version():
    """The installed libvirt-dev's version, or None on a machine without it."""
    if shutil.which("pkg-config") is None:
        return None
    result = subprocess.run(["pkg-config", "--modversion", "libvirt"], capture_output=True,
                            text=True)
    if result.returncode != 0:
        return None
    major, minor, micro = (int(part) for part in result.stdout.strip().split("."))
    return major, minor, micro


def test_versions_agree(api):
    from generator import build
    version = loaded_libvirt_version()
    number = version[0] * 1000000 + version[1] * 1000 + version[2]
    assert libvirt.getVersion() == number
    assert libvirt_cffi.RUNTIME_VERSION == version
    # Where libvirt-dev is installed it is the loaded libvirt's.
    assert _pkg_config_version() in (None, version)
    # Built for the release whose description the build read (API mode: no
    # newer than its headers).
    assert libvirt_cffi.BUILT_FOR == build.target_version(api, libvirt_cffi.MODE)
    assert libvirt_cffi.MODE in ("api", "abi", "dlopen")
    # The mode the build wrote is the module the runtime loaded.
    from libvirt import _build_info
    assert libvirt_cffi.MODE == _build_info.MODE
    assert (libvirt._core.API_LIB is None) == (libvirt_cffi.MODE == "abi")


def test_function_available():
    assert libvirt_cffi.function_available("virConnectOpen")
    # 9.0.0's: available exactly where the build's XML has it and the
    # loaded libvirt is 9.0 or newer (a wheel made from a newer XML may run
    # on 7.0)
    assert libvirt_cffi.function_available("virDomainFDAssociate") == \
        row.runtime_has("virDomainFDAssociate")
    assert libvirt_cffi.function_available("virDomainQemuMonitorCommand")
    assert not libvirt_cffi.function_available("virNoSuchFunction")
    with pytest.raises(TypeError):
        libvirt_cffi.function_available(None)


def test_missing_function_error():
    missing = libvirt._core.function("libvirt", "virFromTheFuture", (99, 0, 0))
    with pytest.raises(libvirt_cffi.FunctionNotAvailable) as caught:
        missing()
    assert isinstance(caught.value, libvirt.libvirtError)
    assert isinstance(caught.value, NotImplementedError)
    assert not libvirt_cffi.function_available("virFromTheFuture")


def test_info_command_reports_what_function_available_says():
    import sys
    out = subprocess.run([sys.executable, "-m", "libvirt_cffi", "--missing"],
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("libvirt-cffi ")
    assert (" %s mode, built for libvirt %d.%d.%d" % ((libvirt_cffi.MODE,) + tuple(libvirt_cffi.BUILT_FOR))
            in lines[0])
    assert lines[1].startswith("loaded libvirt %d.%d.%d: " % libvirt_cffi.RUNTIME_VERSION)
    missing = [line.split(": ", 1)[1] for line in lines[2:]]
    assert all(not libvirt_cffi.function_available(name) for name in missing)
    assert libvirt_cffi.function_available("virConnectOpen")
    assert "virConnectOpen" not in missing


def test_libvirt_python_stand_in_is_a_valid_wheel_requiring_this_package(tmp_path):
    import base64
    import hashlib
    import zipfile
    path = libvirt_cffi.write_libvirt_python_stand_in(str(tmp_path))
    version = "%d.%d.%d+cffi" % tuple(libvirt_cffi.BUILT_FOR)
    assert path.endswith("/libvirt_python-%s-py3-none-any.whl" % version)
    with zipfile.ZipFile(path) as wheel:
        info = "libvirt_python-%s.dist-info/" % version
        metadata = wheel.read(info + "METADATA").decode()
        assert "Name: libvirt-python\n" in metadata
        assert "Version: %s\n" % version in metadata
        assert "Requires-Dist: libvirt-cffi\n" in metadata
        # Every file but RECORD itself is recorded with its hash and size.
        names = set(wheel.namelist())
        assert names == {info + "METADATA", info + "WHEEL", info + "RECORD"}
        for line in wheel.read(info + "RECORD").decode().splitlines():
            name, digest, size = line.split(",")
            if name == info + "RECORD":
                continue
            data = wheel.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode() and int(size) == len(data)
