"""Uploaded exports and bundles → files on disk that :func:`costmodel.ingest.load.load_workload` reads.

An upload arrives as a ``data:…;base64,…`` URL from ``dcc.Upload``. It is decoded (after a size
check on the encoded length, so a huge upload is refused before it is decoded), then either written
as one export file under its own (sanitised) name, or — for ``.zip``, ``.tar``, ``.tar.gz`` and
``.tgz`` — extracted as a bundle directory. Uploads are data: they are parsed, never executed, and
an archive is extracted defensively (only regular files and directories; no absolute path, no
``..``, no links or devices; a cap on members and on extracted bytes, counted while copying rather
than trusted from the headers). Every refusal is an :class:`~costmodel.core.errors.IngestError` with a
fix hint, shown in the page like any other input error.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import shutil
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from costmodel.core.errors import IngestError
from costmodel.core.safeio import count_gunzip

MIB = 1024 * 1024
MAX_UPLOAD_BYTES = 50 * MIB
"""Largest upload accepted (decoded size of one export file or one archive)."""
MAX_EXTRACTED_BYTES = 200 * MIB
"""Largest total size of the files extracted from one archive (zip-bomb guard)."""
MAX_ARCHIVE_MEMBERS = 2_000
"""Most entries (files and directories) one archive may hold."""
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
EXPORT_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".txt")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_COPY_CHUNK = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"


def safe_filename(name: str | None, default: str = "upload.csv") -> str:
    """The last path component of ``name`` with anything but letters, digits, ``._-`` replaced."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    cleaned = _SAFE_NAME.sub("_", base).lstrip(".")
    return cleaned[:120] or default


def decode_upload(contents: str, filename: str, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of a ``dcc.Upload`` data URL, refusing more than ``limit`` bytes."""
    _, sep, payload = str(contents).partition(",")
    if not sep or ";base64" not in str(contents)[: str(contents).find(",")]:
        raise IngestError("the upload is not a base64 data URL", file=filename, hint="upload the file again")
    if len(payload) * 3 // 4 > limit + 3:
        raise IngestError(
            f"the upload is larger than the {limit // MIB} MiB limit",
            file=filename,
            hint="upload a gzipped export (.csv.gz) or run `dsqlcost report` on the command line",
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise IngestError(
            "the upload is not valid base64", file=filename, hint="upload the file again"
        ) from None
    if len(data) > limit:
        raise IngestError(
            f"the upload is {len(data) / MIB:.1f} MiB, above the {limit // MIB} MiB limit",
            file=filename,
            hint="upload a gzipped export (.csv.gz) or run `dsqlcost report` on the command line",
        )
    return data


def is_archive(filename: str) -> bool:
    """Whether ``filename`` names a bundle archive (zip or tar, optionally gzipped)."""
    return filename.lower().endswith(ARCHIVE_SUFFIXES)


def materialise(data: bytes, filename: str, dest: Path) -> Path:
    """Write an upload under ``dest``: an export file as itself, an archive extracted as a bundle.

    Returns the path to give :func:`costmodel.ingest.load.load_workload` (the export file, or the
    directory holding ``bundle.yaml``).
    """
    name = safe_filename(filename)
    if not is_archive(name):
        if (
            data[:2] == GZIP_MAGIC
            and count_gunzip(io.BytesIO(data), MAX_EXTRACTED_BYTES) > MAX_EXTRACTED_BYTES
        ):
            raise IngestError(
                f"the gzipped upload expands to more than {MAX_EXTRACTED_BYTES // MIB} MiB",
                file=name,
                hint="run `dsqlcost report` on the command line for exports this large",
            )
        target = dest / name
        target.write_bytes(data)
        return target
    stem = name
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    root = dest / (stem or "bundle")
    root.mkdir()
    if name.lower().endswith(".zip"):
        extract_zip(data, root, name)
    else:
        extract_tar(data, root, name)
    return find_bundle_root(root, name)


def _member_path(raw: str, archive: str) -> PurePosixPath:
    """The relative path of an archive member, refusing absolute paths and ``..``."""
    text = raw.replace("\\", "/")
    path = PurePosixPath(text)
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or path.is_absolute():
        raise IngestError(
            f"archive member {raw!r} has an absolute path",
            file=archive,
            hint="create the archive from the bundle's parent directory with relative paths",
        )
    if ".." in path.parts:
        raise IngestError(
            f"archive member {raw!r} points outside the archive ('..')",
            file=archive,
            hint="create the archive from the bundle's parent directory with relative paths",
        )
    return path


class _Budget:
    """Counts members and extracted bytes against the archive limits."""

    def __init__(self, archive: str) -> None:
        self.archive = archive
        self.members = 0
        self.bytes = 0

    def member(self) -> None:
        self.members += 1
        if self.members > MAX_ARCHIVE_MEMBERS:
            raise IngestError(
                f"the archive has more than {MAX_ARCHIVE_MEMBERS} entries",
                file=self.archive,
                hint="archive only the bundle directory written by `dsqlcost collect`",
            )

    def copy(self, source: IO[bytes], target: Path) -> None:
        """Copy one member, counting its bytes, and a gzip member's expansion (read later) too."""
        with target.open("wb") as out:
            while chunk := source.read(_COPY_CHUNK):
                self.bytes += len(chunk)
                self._check()
                out.write(chunk)
        with target.open("rb") as written:
            if written.read(2) == GZIP_MAGIC:
                written.seek(0)
                size = target.stat().st_size
                self.bytes += count_gunzip(written, MAX_EXTRACTED_BYTES - self.bytes + size + 1) - size
                self._check()

    def _check(self) -> None:
        if self.bytes > MAX_EXTRACTED_BYTES:
            raise IngestError(
                f"the archive expands to more than {MAX_EXTRACTED_BYTES // MIB} MiB (gzip members counted expanded)",
                file=self.archive,
                hint="archive only the bundle directory, or run `dsqlcost report` locally",
            )


def _target(root: Path, rel: PurePosixPath) -> Path:
    target = root.joinpath(*rel.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def extract_zip(data: bytes, root: Path, archive: str) -> None:
    """Extract a zip safely into ``root`` (regular files and directories only)."""
    budget = _Budget(archive)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                budget.member()
                rel = _member_path(info.filename, archive)
                mode = (info.external_attr >> 16) & 0o170000
                if mode not in (0, 0o100000, 0o040000):
                    raise IngestError(
                        f"archive member {info.filename!r} is a link or special file",
                        file=archive,
                        hint="archive regular files only",
                    )
                if info.is_dir() or not rel.parts:
                    continue
                with zf.open(info) as source:
                    budget.copy(source, _target(root, rel))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise IngestError(
            f"not a readable zip archive ({exc})", file=archive, hint="zip the bundle directory again"
        ) from None


def extract_tar(data: bytes, root: Path, archive: str) -> None:
    """Extract a tar (optionally gzip/bz2/xz) safely into ``root`` (regular files and directories only)."""
    budget = _Budget(archive)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            for member in _members(tf):
                budget.member()
                rel = _member_path(member.name, archive)
                if member.isdir() or not rel.parts:
                    continue
                if not member.isfile():
                    raise IngestError(
                        f"archive member {member.name!r} is a link or special file",
                        file=archive,
                        hint="archive regular files only",
                    )
                source = tf.extractfile(member)
                if source is None:
                    continue
                with source:
                    budget.copy(source, _target(root, rel))
    except (tarfile.TarError, EOFError, OSError) as exc:
        if isinstance(exc, IngestError):
            raise
        raise IngestError(
            f"not a readable tar archive ({exc})", file=archive, hint="archive the bundle directory again"
        ) from None


def _members(tf: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while (member := tf.next()) is not None:
        yield member


def find_bundle_root(root: Path, archive: str) -> Path:
    """The directory holding ``bundle.yaml``: the archive root or its single top directory."""
    if (root / "bundle.yaml").is_file():
        return root
    found = sorted(p.parent for p in root.glob("*/bundle.yaml"))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise IngestError(
            f"the archive holds {len(found)} bundles",
            file=archive,
            hint="upload one bundle per archive",
        )
    raise IngestError(
        "the archive holds no bundle.yaml",
        file=archive,
        hint="archive the directory written by `dsqlcost collect` (with bundle.yaml), or upload the export file itself",
    )


def remove_tree(path: Path) -> None:
    """Delete an upload's directory (ignore what is already gone)."""
    shutil.rmtree(path, ignore_errors=True)
