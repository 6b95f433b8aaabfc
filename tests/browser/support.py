"""Helpers shared by the dashboard's unit tests (``tests/test_dashboard*.py``) and the browser suite.

Small real inputs, built on the fly: a pg_stat_statements export (CSV, 1.10 columns) of synthetic
statements, zip/tar archives of a bundle directory, and ``dcc.Upload``-style data URLs. The loaded
saas sample is cached per process (:func:`saas_cache`) so the unit-test modules classify and lint
it once.
"""

from __future__ import annotations

import base64
import functools
import io
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_stats" / "saas"


def data_url(data: bytes, mime: str = "application/octet-stream") -> str:
    """What ``dcc.Upload`` puts in ``contents`` for a file with these bytes."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def export_csv(count: int = 40, seed: int = 11) -> bytes:
    """A small pg_stat_statements 1.10 CSV export (no window metadata: needs ``window``)."""
    from benchmarks.bench_dashboard import synthetic_export_text

    return synthetic_export_text(count, seed).encode("utf-8")


def zip_dir(root: Path, prefix: str | None = None) -> bytes:
    """``root`` zipped, members under ``prefix/`` (default: the directory's name)."""
    top = root.name if prefix is None else prefix
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                name = path.relative_to(root).as_posix()
                zf.write(path, f"{top}/{name}" if top else name)
    return buffer.getvalue()


def tar_gz_dir(root: Path) -> bytes:
    """``root`` as a .tar.gz with the directory's name as the top folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        tf.add(root, arcname=root.name)
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def saas_cache() -> tuple[object, str]:
    """(UploadCache, key) with the saas sample loaded and its default scenario run once."""
    from costmodel.scenario.model import load_scenario
    from dashboard.state import UploadCache

    cache = UploadCache()
    entry = cache.add_file(SAMPLE)
    cache.run(entry.key, load_scenario(None))
    return cache, entry.key
