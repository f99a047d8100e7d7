"""How the sdist is made: it bundles the API description it was made from
(generator.sources), and its archive is the same bytes for the same tree.

setuptools' archive records each file's mtime, owner and the time the
gzip stream was written; rewritten here with members in name order, owner
root, modes 644/755 and every time clamped to SOURCE_DATE_EPOCH when set
(the reproducible-builds convention)."""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
from typing import Optional

from . import sources

BUNDLED_NAME = os.path.basename(sources.BUNDLED_DIR)


def source_date_epoch() -> Optional[int]:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value else None


def bundle_description(release_dir: str) -> str:
    """Copy the description a headerless build would read into the sdist's
    tree; returns why it was chosen."""
    files, why = sources.choose("abi")
    sources.bundle(os.path.join(release_dir, BUNDLED_NAME), files)
    return why


def pep625_name(name: str) -> str:
    """The sdist's file and top directory name: the project name normalized
    with underscores (PEP 625), which setuptools before 69.3 did not do."""
    project, _, version = name.rpartition("-")
    return "%s-%s" % (re.sub(r"[-_.]+", "_", project).lower(), version)


def normalize_tar_gz(path: str) -> str:
    """Rewrite a .tar.gz deterministically under its PEP 625 name; returns
    the new path (the old file is removed)."""
    epoch = source_date_epoch()
    old_top = os.path.basename(path)[:-len(".tar.gz")]
    new_top = pep625_name(old_top)
    with tarfile.open(path, "r:gz") as archive:
        members = [(m, archive.extractfile(m).read() if m.isfile() else None)
                   for m in archive.getmembers()]
    for member, _ in members:
        if member.name == old_top or member.name.startswith(old_top + "/"):
            member.name = new_top + member.name[len(old_top):]
    members.sort(key=lambda item: item[0].name)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as out:
        for member, data in members:
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            member.mode = 0o755 if member.isdir() or member.mode & 0o100 else 0o644
            if epoch is not None:
                member.mtime = min(int(member.mtime), epoch)
            member.pax_headers = {}
            out.addfile(member, io.BytesIO(data) if data is not None else None)
    mtime = epoch if epoch is not None else int(os.stat(path).st_mtime)
    os.remove(path)
    path = os.path.join(os.path.dirname(path), new_top + ".tar.gz")
    with open(path, "wb") as raw:
        # filename="": the gzip header would otherwise name the temporary path.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime,
                           compresslevel=9) as stream:
            stream.write(buffer.getvalue())
    return path
