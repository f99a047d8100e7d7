"""Which libvirt API description (the libvirt*-api.xml files) a build reads.

There are up to three: a directory named by LIBVIRT_API_XML_DIR (always
wins), the installed libvirt's (libvirt-dev, found by pkg-config), and the
one an sdist bundles (BUNDLED_DIR, copied in when the sdist was made; never
in the git tree). API mode compiles against the installed headers, which
the description must match, so it reads the installed one. The modes that
need no headers read the newest of the two, the installed one on a tie:
a newer description only adds constants and functions, and a function the
loaded libvirt lacks is reported at call time.
"""

from __future__ import annotations

import os
import shutil
from typing import Dict, List, Optional, Tuple

from lxml import etree

from .model import Version, parse_version
from .parse import API_DIR_ENV, ApiNotFound, locate_api_files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLED_DIR = os.path.join(ROOT, "libvirt-api-xml")


def description_version(files: Dict[str, str]) -> Version:
    """The libvirt release a description is of (LIBVIR_VERSION_NUMBER)."""
    raw = etree.parse(files["libvirt"]).xpath(
        "string(//macro[@name='LIBVIR_VERSION_NUMBER']/@raw)")
    number = int(raw)
    return parse_version("%d.%d.%d" % (number // 1000000, number // 1000 % 1000,
                                       number % 1000))


def _installed() -> Optional[Dict[str, str]]:
    try:
        return locate_api_files()
    except ApiNotFound:
        return None


def _bundled() -> Optional[Dict[str, str]]:
    if not os.path.isdir(BUNDLED_DIR):
        return None
    try:
        return locate_api_files(BUNDLED_DIR)
    except ApiNotFound:
        return None


def _text(version: Version) -> str:
    return "%d.%d.%d" % tuple(version)


def choose(mode: str) -> Tuple[Dict[str, str], str]:
    """(module -> API XML path, a sentence saying which and why)."""
    named = os.environ.get(API_DIR_ENV)
    if named:
        files = locate_api_files(named)
        return files, "libvirt %s's, from %s=%s" % (
            _text(description_version(files)), API_DIR_ENV, named)
    installed, bundled = _installed(), _bundled()
    if installed is None and bundled is None:
        raise ApiNotFound(
            "no libvirt API description: install libvirt's development files "
            "(Debian: libvirt-dev), build from an sdist (it bundles one) or set "
            "%s to a directory holding libvirt-api.xml" % API_DIR_ENV)
    if mode == "api" or bundled is None:
        if installed is None:
            raise ApiNotFound("API mode needs the installed libvirt's description")
        why = "the installed libvirt's (%s)" % _text(description_version(installed))
        if mode == "api" and bundled is not None:
            why += ", as the headers API mode compiles against"
        return installed, why
    bundled_version = description_version(bundled)
    if installed is None:
        return bundled, ("libvirt %s's, bundled with this source (no installed "
                         "libvirt description)" % _text(bundled_version))
    installed_version = description_version(installed)
    if bundled_version > installed_version:
        return bundled, ("libvirt %s's, bundled with this source: newer than the "
                         "installed libvirt's (%s)" % (_text(bundled_version),
                                                       _text(installed_version)))
    return installed, ("the installed libvirt's (%s): not older than the bundled "
                       "one (%s)" % (_text(installed_version), _text(bundled_version)))


def bundle(target_dir: str, files: Dict[str, str]) -> List[str]:
    """Copy a description into an sdist's tree; the names it was given."""
    os.makedirs(target_dir, exist_ok=True)
    written = []
    for module in sorted(files):
        target = os.path.join(target_dir, module + "-api.xml")
        shutil.copyfile(files[module], target)
        written.append(target)
    return written
