"""The artifacts packagers and users get: the sdist carries libvirt's API
description and installs where none is installed; rebuilding with the same
SOURCE_DATE_EPOCH gives the same bytes; the description a build reads is
the one generator.sources promises.

Builds run `python -m build --no-isolation` with this interpreter's tools
(scripts/setup.sh installs build); tools/check_dist.py does the same across
the platform chroots. Run once per test run, not per mode (scripts/test.sh).
"""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

from conftest import ROOT

if ROOT not in sys.path:
    sys.path.append(ROOT)   # after site-packages: the built libvirt wins

from generator import sources  # noqa: E402
from generator.parse import API_DIR_ENV  # noqa: E402

EPOCH = "1700000000"
# pkg-config finds no libvirt: the machine has no description installed.
NO_LIBVIRT_DEV = {"PKG_CONFIG_LIBDIR": "/nonexistent"}


def _build(tree, out, *args, env=None):
    environment = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, **(env or {}))
    environment.pop(API_DIR_ENV, None)
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "-o", str(out),
                             *args, tree], capture_output=True, text=True, env=environment,
                            timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    built = glob.glob(os.path.join(str(out), "*"))
    assert len(built) == 1, built
    return built[0], result.stdout


def _sha256(path):
    with open(path, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


@pytest.fixture(scope="module")
def sdists(clean_tree, tmp_path_factory):
    return [_build(clean_tree, tmp_path_factory.mktemp("sdist%d" % i), "--sdist")[0]
            for i in range(2)]


@pytest.fixture(scope="module")
def unpacked_sdist(sdists, tmp_path_factory):
    target = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(sdists[0]) as archive:
        archive.extractall(str(target))
    (top,) = os.listdir(str(target))
    return os.path.join(str(target), top)


def test_sdist_is_reproducible_and_named_by_pep_625(sdists):
    assert [os.path.basename(path) for path in sdists] == ["libvirt_cffi-0.1.0.tar.gz"] * 2
    assert _sha256(sdists[0]) == _sha256(sdists[1])


def test_sdist_carries_the_description_it_was_made_from(sdists):
    files, _ = sources.choose("abi")
    with tarfile.open(sdists[0]) as archive:
        names = set(archive.getnames())
        for module, path in files.items():
            member = "libvirt_cffi-0.1.0/libvirt-api-xml/%s-api.xml" % module
            assert member in names
            with open(path, "rb") as installed:
                assert archive.extractfile(member).read() == installed.read()
        # What building and testing need.
        for needed in ("generator/sources.py", "api-xml/admin.xml", "tests/conftest.py",
                       "tools/reference_env.py", "COPYING", "PKG-INFO"):
            assert "libvirt_cffi-0.1.0/" + needed in names


def test_pure_wheel_from_the_sdist_needs_no_libvirt_dev_and_is_reproducible(
        unpacked_sdist, tmp_path):
    env = dict(NO_LIBVIRT_DEV, LIBVIRT_CFFI_MODE="abi")
    built = []
    for i in range(2):
        shutil.rmtree(os.path.join(unpacked_sdist, "build"), ignore_errors=True)
        wheel, output = _build(unpacked_sdist, tmp_path / str(i), "--wheel", env=env)
        assert "bundled with this source (no installed libvirt description)" in output
        built.append(wheel)
    assert os.path.basename(built[0]) == "libvirt_cffi-0.1.0-py3-none-any.whl"
    assert _sha256(built[0]) == _sha256(built[1])


def _description_of(tmp_path, name, version):
    """A copy of the installed description that says it is libvirt `version`."""
    target = tmp_path / name
    target.mkdir()
    for module, path in sources.locate_api_files().items():
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        if module == "libvirt":
            number = version[0] * 1000000 + version[1] * 1000 + version[2]
            marker = "name='LIBVIR_VERSION_NUMBER' file='libvirt-common' raw='"
            start = text.index(marker) + len(marker)
            text = text[:start] + str(number) + text[text.index("'", start):]
        (target / (module + "-api.xml")).write_text(text, encoding="utf-8")
    return str(target)


def test_the_description_each_mode_reads(tmp_path, monkeypatch):
    monkeypatch.delenv(API_DIR_ENV, raising=False)
    installed = sources.locate_api_files()
    installed_version = sources.description_version(installed)
    newer = (installed_version[0] + 1, 0, 0)
    monkeypatch.setattr(sources, "BUNDLED_DIR", _description_of(tmp_path, "newer", newer))
    # API mode compiles against the installed headers: their description.
    assert sources.choose("api")[0] == installed
    # Without headers the newest wins.
    files, why = sources.choose("abi")
    assert sources.description_version(files) == newer
    assert "newer than the installed" in why
    # A tie keeps the installed one.
    monkeypatch.setattr(sources, "BUNDLED_DIR",
                        _description_of(tmp_path, "same", tuple(installed_version)))
    assert sources.choose("abi")[0] == installed
    # LIBVIRT_API_XML_DIR always wins.
    monkeypatch.setenv(API_DIR_ENV, str(tmp_path / "newer"))
    assert sources.description_version(sources.choose("api")[0]) == newer
