"""Every file the tool reads or writes goes through here: regular files only, bounded reads, safe writes.

Why one module: a security pass found ``--out /dev/null`` replacing the device node, a symlink
replaced, ``/dev/zero`` or a FIFO given as an input hanging or exhausting memory, and a 1 MB
``.csv.gz`` expanding to 16 GB in memory. Each had its own ``open``; the rules below now hold for
every reader and writer because there is one of each.

Reading:

* only regular files are opened (the file is opened non-blocking and checked with ``fstat``, so a
  FIFO never blocks and a device is refused before one byte is read);
* every read and every decompression is capped at :func:`max_bytes` (default 4 GiB, the CLI's
  ``--max-bytes``), counted while streaming: the expansion of a gzip member is what counts, never
  its compressed size.

Writing (:func:`write_output`, :func:`open_output`):

* the target is a new path or an existing regular file; a directory, a symlink, a device, a FIFO or
  a socket is refused with a one-line error before anything is written;
* the content goes to a temporary file in the same folder which is renamed over the target only
  when complete (an interrupted run leaves nothing half written);
* modes are consistent: ``0644`` (less what the umask removes) for reports, whose literals are
  redacted by default; ``0600`` for sensitive content (``sensitive=True``: collected bundles, which
  hold query texts, and reports written with ``--show-literals``).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from costmodel.core.errors import CostModelError, IngestError, ReportError

GIB = 1 << 30
DEFAULT_MAX_BYTES = 4 * GIB
"""Default cap on the bytes one input may expand to (``--max-bytes``)."""
PUBLIC_MODE = 0o644
SENSITIVE_MODE = 0o600
_CHUNK = 1 << 20

_MAX_BYTES: contextvars.ContextVar[int] = contextvars.ContextVar(
    "dsqlcost_max_bytes", default=DEFAULT_MAX_BYTES
)


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def max_bytes() -> int:
    """The current cap on the bytes one input may be read or expanded to."""
    return _MAX_BYTES.get()


def set_max_bytes(limit: int) -> None:
    """Set the cap for this context (the CLI calls it once from ``--max-bytes``)."""
    if limit < 1:
        raise IngestError(f"--max-bytes {limit} must be positive", column="--max-bytes")
    _MAX_BYTES.set(limit)


@contextlib.contextmanager
def byte_cap(limit: int) -> Iterator[None]:
    """Use ``limit`` as the cap inside the block (the dashboard caps uploads lower)."""
    token = _MAX_BYTES.set(limit)
    try:
        yield
    finally:
        _MAX_BYTES.reset(token)


def parse_size(text: str) -> int:
    """``4GiB``, ``500MB``, ``1048576`` → bytes (binary and decimal units; used by ``--max-bytes``)."""
    units = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 1 << 20}
    units |= {"g": 10**9, "gb": 10**9, "gib": GIB, "t": 10**12, "tb": 10**12, "tib": 1 << 40}
    raw = text.strip().lower()
    digits = raw.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
    unit = raw[len(digits) :].strip()
    if not digits or not digits.isascii() or not digits.isdigit() or unit not in units or len(digits) > 18:
        raise IngestError(
            f"--max-bytes {text!r} is not a size",
            column="--max-bytes",
            hint="write e.g. 4GiB, 500MB or 1048576",
        )
    value = int(digits) * units[unit]
    if value < 1:
        raise IngestError("--max-bytes must be positive", column="--max-bytes")
    return value


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _too_big(file: str, limit: int, error: type[CostModelError], expanded: bool) -> CostModelError:
    what = "expands to" if expanded else "is"
    return error(
        f"{what} more than {limit:,} bytes (the --max-bytes cap)",
        file=file,
        hint="raise --max-bytes if the input is genuine, or check that this is the file you meant",
    )


@contextlib.contextmanager
def open_regular(
    path: str | Path,
    file: str | None = None,
    *,
    error: type[CostModelError] = IngestError,
    what: str = "file",
) -> Iterator[IO[bytes]]:
    """Open ``path`` for binary reading if it is a regular file (a symlink to one is fine).

    Opened with ``O_NONBLOCK`` so that a FIFO cannot block the open; ``fstat`` on the opened
    descriptor (not the name, which could be swapped) decides.
    """
    shown = str(path) if file is None else file
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{what} not found", file=shown, hint="check the path") from None
    except IsADirectoryError:
        raise error(f"{what} is a directory", file=shown) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", file=shown) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(
                f"{what} is {_kind(mode)}, not a regular file",
                file=shown,
                hint="give a regular file (a copy of the export)",
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_capped(
    path: str | Path,
    file: str | None = None,
    *,
    error: type[CostModelError] = IngestError,
    what: str = "file",
    limit: int | None = None,
) -> bytes:
    """The bytes of the regular file ``path``, refusing more than ``limit`` (default :func:`max_bytes`)."""
    cap = max_bytes() if limit is None else limit
    shown = str(path) if file is None else file
    with open_regular(path, shown, error=error, what=what) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size > cap:
                raise _too_big(shown, cap, error, expanded=False)
            data = handle.read(cap + 1)
        except OSError as exc:
            raise error(f"cannot read {what}: {exc.strerror or exc}", file=shown) from None
    if len(data) > cap:
        raise _too_big(shown, cap, error, expanded=False)
    return data


def read_text_capped(
    path: str | Path,
    file: str | None = None,
    *,
    error: type[CostModelError] = IngestError,
    what: str = "file",
    limit: int | None = None,
    encoding: str = "utf-8",
) -> str:
    """:func:`read_capped` decoded as UTF-8 (a BOM is dropped with ``utf-8-sig``)."""
    shown = str(path) if file is None else file
    data = read_capped(path, shown, error=error, what=what, limit=limit)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text (byte {exc.start})", file=shown) from None


def read_text(path: str | Path, error: type[CostModelError], what: str, *, hint: str | None = None) -> str:
    """The UTF-8 text of a user's file, or ``error`` naming the file and what it should have been.

    ``what`` names the file in the message ("price file", "calibration file" …). One place for
    the missing / not-a-regular-file / too-big / not-UTF-8 cases every input file has.
    """
    file = str(path)
    data = read_capped(path, file, error=error, what=what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text (byte {exc.start})", file=file, hint=hint) from None


def gunzip_capped(data: bytes, file: str, *, limit: int | None = None) -> bytes:
    """Decompress gzip ``data`` (every member), stopping as soon as the output passes the cap.

    Streamed through :func:`zlib.decompressobj` with ``max_length``, so a bomb never holds more than
    the cap plus one chunk in memory.
    """
    cap = max_bytes() if limit is None else limit
    parts: list[bytes] = []
    total = 0
    rest = data
    try:
        while rest:
            inflater = zlib.decompressobj(wbits=31)
            pending = rest
            while pending:
                chunk = inflater.decompress(pending, _CHUNK)
                total += len(chunk)
                if total > cap:
                    raise _too_big(file, cap, IngestError, expanded=True)
                parts.append(chunk)
                pending = b"" if inflater.eof else inflater.unconsumed_tail
            while not inflater.eof:
                chunk = inflater.decompress(b"", _CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > cap:
                    raise _too_big(file, cap, IngestError, expanded=True)
                parts.append(chunk)
            if not inflater.eof:
                raise IngestError(
                    "gzip data is damaged or cut short (compressed file ended before the end-of-stream marker)",
                    file=file,
                    hint="copy the file again",
                )
            rest = inflater.unused_data.lstrip(b"\x00")  # gzip allows zero padding between members
    except zlib.error as exc:
        raise IngestError(
            f"gzip data is damaged or cut short ({exc})", file=file, hint="copy the file again"
        ) from None
    return b"".join(parts)


def count_gunzip(stream: IO[bytes], budget: int) -> int:
    """Expanded size of a gzip stream, reading until done or past ``budget`` (then a value > budget).

    Damaged data stops the count where it breaks (the reader reports the damage later, with the file
    name): this only answers "how big would it get".
    """
    total = 0
    inflater = zlib.decompressobj(wbits=31)
    try:
        while total <= budget:
            block = stream.read(_CHUNK)
            if not block:
                break
            pending = block
            while pending and total <= budget:
                total += len(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
                if inflater.eof:  # next member (the rest of the input is in unused_data then)
                    pending = inflater.unused_data.lstrip(b"\x00")
                    inflater = zlib.decompressobj(wbits=31)
            while total <= budget and not inflater.eof:
                more = inflater.decompress(b"", _CHUNK)
                if not more:
                    break
                total += len(more)
    except zlib.error:
        pass
    return total


# --------------------------------------------------------------------------- writing


def is_stdout(out: str | Path | None) -> bool:
    """``--out -`` means standard output."""
    return out is not None and str(out) == "-"


def _write_error(error: type[CostModelError], option: str, path: Path, exc: OSError) -> CostModelError:
    return error(
        f"cannot write {option} {str(path)!r}: {exc.strerror or exc}",
        hint=f"give {option} a path you can write to (an existing folder, a name of a sane length)",
    )


def check_output_file(
    path: Path,
    *,
    error: type[CostModelError] = ReportError,
    option: str = "--out",
    example: str = "report.html",
) -> None:
    """Refuse a target that is not a new path or an existing regular file (checked without following links)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _write_error(error, option, path, exc) from None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise error(f"{option} {str(path)!r} is a directory", hint=f"give a file name, e.g. {example}")
        raise error(
            f"{option} {str(path)!r} is {_kind(mode)}: only regular files are written",
            hint=f"give a new file name, e.g. {example} (use {option} - for standard output)",
        )
    try:
        parent_is_dir = path.parent.is_dir()
    except OSError as exc:
        raise _write_error(error, option, path, exc) from None
    if not parent_is_dir:
        raise error(
            f"{option} {str(path)!r}: folder {str(path.parent)!r} does not exist", hint="create it first"
        )


def file_mode(sensitive: bool) -> int:
    """``0600`` for sensitive content, else ``0644`` less the umask."""
    return SENSITIVE_MODE if sensitive else PUBLIC_MODE & ~_UMASK


@contextlib.contextmanager
def open_output(
    path: Path,
    *,
    sensitive: bool = False,
    error: type[CostModelError] = ReportError,
    option: str = "--out",
    example: str = "report.html",
) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` only when the block completes."""
    path = Path(path)
    check_output_file(path, error=error, option=option, example=example)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(error, option, path, exc) from None
    try:
        os.fchmod(fd, file_mode(sensitive))
        with os.fdopen(fd, "wb") as handle:
            yield handle
        check_output_file(path, error=error, option=option, example=example)  # swapped meanwhile?
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(error, option, path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_output(
    path: str | Path,
    content: str | bytes,
    *,
    sensitive: bool = False,
    error: type[CostModelError] = ReportError,
    option: str = "--out",
    example: str = "report.html",
) -> None:
    """Write ``content`` (text is UTF-8) to ``path`` by the rules of :func:`open_output`."""
    data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
    with open_output(Path(path), sensitive=sensitive, error=error, option=option, example=example) as handle:
        handle.write(data)


def check_output_dir(path: Path, *, error: type[CostModelError] = ReportError, option: str = "--out") -> bool:
    """A directory target: a real directory (not a link) or a new path whose parent exists; True if it exists."""
    try:
        mode: Any = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _write_error(error, option, path, exc) from None
    if mode is not None:
        if stat.S_ISLNK(mode):
            raise error(
                f"{option} {str(path)!r} is a symbolic link", hint="give the real directory, or a new name"
            )
        if not stat.S_ISDIR(mode):
            raise error(
                f"{option} {str(path)!r} is {_kind(mode) if not stat.S_ISREG(mode) else 'a file'}, not a directory",
                hint="give a directory",
            )
        return True
    if not path.parent.is_dir():
        raise error(
            f"{option} {str(path)!r}: folder {str(path.parent)!r} does not exist", hint="create it first"
        )
    return False
