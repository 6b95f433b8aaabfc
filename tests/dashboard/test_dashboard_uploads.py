"""Uploads are data: decoded with a size limit, archives extracted defensively (dashboard/uploads.py)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from costmodel.core.errors import IngestError
from dashboard import uploads
from tests.browser.support import SAMPLE, data_url, tar_gz_dir, zip_dir


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _tar(members: dict[str, bytes], *, link: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo(link[0])
            info.type = tarfile.SYMTYPE
            info.linkname = link[1]
            tf.addfile(info)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("pgss.csv", "pgss.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\export 1.csv", "export_1.csv"),
        ("..hidden.csv", "hidden.csv"),
        ("", "upload.csv"),
        (None, "upload.csv"),
        ("<script>.csv", "_script_.csv"),
    ],
)
def test_safe_filename_keeps_only_a_plain_last_component(raw: str | None, expected: str) -> None:
    assert uploads.safe_filename(raw) == expected


def test_decode_upload_round_trips_bytes() -> None:
    assert uploads.decode_upload(data_url(b"a,b\n1,2\n", "text/csv"), "x.csv") == b"a,b\n1,2\n"


def test_decode_upload_refuses_more_than_the_limit_before_decoding() -> None:
    with pytest.raises(IngestError) as info:
        uploads.decode_upload(data_url(b"x" * 2048), "big.csv", limit=1024)
    text = str(info.value)
    assert text.startswith("big.csv: ")
    assert "larger than the 0 MiB limit" in text or "limit" in text
    assert "fix:" in text


def test_upload_limit_is_50_mib() -> None:
    assert uploads.MAX_UPLOAD_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize("contents", ["not a data url", "data:text/csv;base64,@@@@", "data:text/csv,plain"])
def test_decode_upload_rejects_malformed_data_urls(contents: str) -> None:
    with pytest.raises(IngestError, match="upload"):
        uploads.decode_upload(contents, "x.csv")


def test_single_export_is_written_under_its_sanitised_name(tmp_path: Path) -> None:
    path = uploads.materialise(b"calls\n1\n", "../evil name.csv", tmp_path)
    assert path == tmp_path / "evil_name.csv"
    assert path.read_bytes() == b"calls\n1\n"


@pytest.mark.parametrize("builder", [zip_dir, tar_gz_dir], ids=["zip", "tar.gz"])
def test_bundle_archives_extract_to_the_bundle_directory(tmp_path: Path, builder: object) -> None:
    data = builder(SAMPLE)  # type: ignore[operator]
    name = "saas.zip" if builder is zip_dir else "saas.tar.gz"
    root = uploads.materialise(data, name, tmp_path)
    assert (root / "bundle.yaml").is_file()
    assert sorted(p.name for p in (root / "snapshots").iterdir()) == sorted(
        p.name for p in (SAMPLE / "snapshots").iterdir()
    )


def test_bundle_at_the_archive_root_is_found(tmp_path: Path) -> None:
    root = uploads.materialise(zip_dir(SAMPLE, prefix=""), "flat.zip", tmp_path)
    assert root == tmp_path / "flat"
    assert (root / "bundle.yaml").is_file()


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (_zip({"/etc/cron.d/x": b"boom"}), "absolute path"),
        (_zip({"b/../../x": b"boom"}), "outside the archive"),
        (_zip({"b/bundle.yaml": b"format: x"}, symlink="b/link"), "link or special file"),
        (_tar({"/abs/bundle.yaml": b"x"}), "absolute path"),
        (_tar({"../up/bundle.yaml": b"x"}), "outside the archive"),
        (_tar({"b/bundle.yaml": b"x"}, link=("b/snapshots", "/etc")), "link or special file"),
        (_zip({"readme.txt": b"no bundle here"}), "no bundle.yaml"),
        (_zip({"a/bundle.yaml": b"x", "b/bundle.yaml": b"y"}), "2 bundles"),
        (b"PK\x03\x04 broken", "not a readable zip"),
    ],
    ids=[
        "zip-absolute",
        "zip-dotdot",
        "zip-symlink",
        "tar-absolute",
        "tar-dotdot",
        "tar-symlink",
        "no-bundle",
        "two-bundles",
        "corrupt",
    ],
)
def test_unsafe_or_wrong_archives_are_refused(tmp_path: Path, archive: bytes, message: str) -> None:
    name = "upload.zip" if archive[:2] == b"PK" else "upload.tar.gz"
    with pytest.raises(IngestError) as info:
        uploads.materialise(archive, name, tmp_path)
    assert message in str(info.value)
    assert str(info.value).startswith(name)
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))
    assert not (tmp_path.parent / "x").exists()


def test_member_count_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_ARCHIVE_MEMBERS", 3)
    archive = _zip({f"b/f{i}.csv": b"x" for i in range(5)})
    with pytest.raises(IngestError, match="more than 3 entries"):
        uploads.materialise(archive, "many.zip", tmp_path)


def test_extracted_bytes_are_capped_while_copying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_EXTRACTED_BYTES", 10_000)
    bomb = _zip({"b/bundle.yaml": b"0" * 50_000})  # compresses to a few hundred bytes
    assert len(bomb) < 2_000
    with pytest.raises(IngestError, match="expands to more than"):
        uploads.materialise(bomb, "bomb.zip", tmp_path)
