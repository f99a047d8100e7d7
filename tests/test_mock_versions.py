"""What the binding tells about libvirt versions: libvirt.getVersion(), and
libvirt_cffi's answers on the loaded library."""

import subprocess

import pytest

import libvirt
import libvirt_cffi
import row


def _pkg_config_version():
    text = subprocess.run(["pkg-config", "--modversion", "libvirt"], capture_output=True,
                          text=True, check=True).stdout.strip()
    major, minor, micro = (int(part) for part in text.split("."))
    return major, minor, micro


def test_versions_agree():
    version = _pkg_config_version()
    number = version[0] * 1000000 + version[1] * 1000 + version[2]
    assert libvirt.getVersion() == number
    assert libvirt_cffi.RUNTIME_VERSION == version
    assert libvirt_cffi.BUILT_FOR == version
    assert libvirt_cffi.MODE in ("api", "abi", "dlopen")
    # The mode the build wrote is the module the runtime loaded.
    from libvirt import _build_info
    assert libvirt_cffi.MODE == _build_info.MODE
    assert (libvirt._core.API_LIB is None) == (libvirt_cffi.MODE == "abi")


def test_function_available():
    assert libvirt_cffi.function_available("virConnectOpen")
    # 9.0.0's: available exactly where the build's XML has it (not 7.0's)
    assert libvirt_cffi.function_available("virDomainFDAssociate") == \
        row.built_with("virDomainFDAssociate")
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
