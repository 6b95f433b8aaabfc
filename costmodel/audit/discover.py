"""Find the source files of an application tree, safely.

Why a module of its own: ``audit-code`` reads trees it does not own (a checkout, a build context),
so what it opens is decided here once: no symlink that leaves the tree is followed, files over a
size cap, binary files, unreadable files and files of languages without a grammar are *skipped
with their reason* (listed in every output, never a crash), and vendored or generated folders
(``.git``, ``node_modules``, virtualenvs) are not walked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from costmodel.audit.languages import language_for
from costmodel.core.errors import CostModelError

DEFAULT_MAX_BYTES = 1_000_000
"""Files larger than this are skipped: generated bundles and data dumps, not application code."""

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".tox", "dist", "build", "target", ".idea", ".gradle",
    }
)  # fmt: skip
"""Folder names that hold tools' or dependencies' files, not the application's."""

BINARY_PROBE_BYTES = 8192


@dataclass(frozen=True)
class SourceFile:
    """A file to audit: path relative to the root (POSIX form), its language and its text."""

    path: str
    language: str
    text: str


@dataclass(frozen=True)
class Skipped:
    """A file or folder left out, and why."""

    path: str
    reason: str


def discover(root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[SourceFile], list[Skipped]]:
    """Every auditable file under ``root`` (sorted by path) and every skipped one with its reason."""
    if not root.exists():
        raise CostModelError(
            "directory not found", file=str(root), hint="pass the root of the application code"
        )
    if not root.is_dir():
        raise CostModelError("not a directory", file=str(root), hint="pass the root of the application code")
    base = root.resolve()
    files: list[SourceFile] = []
    skipped: list[Skipped] = []
    for path, rel in _walk(base, skipped):
        item = _read(path, rel, max_bytes)
        (files if isinstance(item, SourceFile) else skipped).append(item)  # type: ignore[arg-type]
    files.sort(key=lambda f: f.path)
    skipped.sort(key=lambda s: s.path)
    return files, skipped


def _walk(base: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, str]]:
    """Regular files under ``base`` (no symlink leaving it is followed; tool folders pruned)."""
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            full = here / name
            rel = full.relative_to(base).as_posix()
            if name in SKIP_DIRS:
                skipped.append(Skipped(rel + "/", "tool or dependency folder"))
            elif full.is_symlink():
                skipped.append(Skipped(rel + "/", _link_reason(full, base, folder=True)))
            else:
                keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            full = here / name
            rel = full.relative_to(base).as_posix()
            if full.is_symlink():
                target = _inside(full, base)
                if target is None or not target.is_file():
                    skipped.append(Skipped(rel, _link_reason(full, base, folder=False)))
                    continue
                yield target, rel
            else:
                yield full, rel


def _inside(link: Path, base: Path) -> Path | None:
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return target if target == base or base in target.parents else None


def _link_reason(link: Path, base: Path, *, folder: bool) -> str:
    if _inside(link, base) is None:
        return "symlink to outside the directory (not followed)"
    return (
        "symlinked folder (not followed; its files are audited where they live)"
        if folder
        else "broken symlink"
    )


def _read(path: Path, rel: str, max_bytes: int) -> SourceFile | Skipped:
    language = language_for(rel)
    if language is None:
        suffix = Path(rel).suffix or Path(rel).name
        return Skipped(rel, f"unsupported language ({suffix})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Skipped(rel, f"over the size cap ({size:,} > {max_bytes:,} bytes)")
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(rel, f"unreadable ({exc.strerror or exc})")
    if b"\x00" in data[:BINARY_PROBE_BYTES]:
        return Skipped(rel, "binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Skipped(rel, f"not UTF-8 text (byte {exc.start})")
    return SourceFile(rel, language, text)
