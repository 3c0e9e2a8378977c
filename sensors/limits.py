"""Limits on what toehold reads from outside: files, zip members, time spans.

Recordings, app exports and zips come from other people (a file shared by a
patient, a phone's export). Every reader goes through these checks so that a
small crafted input cannot take gigabytes of memory or hang a batch:

* only regular files are read: a device (``/dev/zero``), a FIFO or a socket
  is refused *before* it is opened for reading (a FIFO would block the open);
* a file is at most :data:`MAX_FILE_BYTES`; a zip member at most
  :data:`MAX_MEMBER_BYTES` uncompressed and :data:`MAX_COMPRESSION_RATIO`
  times its compressed size, and the bytes are counted while they are
  decompressed (the header's sizes are not trusted);
* a zip holds at most :data:`MAX_ZIP_MEMBERS` CSV files (each is opened
  to recognise the export);
* a CSV has at most :data:`MAX_COLUMNS` columns;
* a recording spans at most :data:`MAX_SPAN_S` (a clock jump or a forged
  timestamp otherwise makes every per-second structure huge).

The limits are far above what the supported sensors and apps produce: 24 h
of 6-axis data at 100 Hz is a 449 MB CSV. Measured with zlib level 9: the
demo recording deflates 3.6:1, a still sensor with noise 3.7:1, one
quantised to 0.1 units 11:1, and a recording whose six channels never change
(only ``t`` does) 20:1, so 100:1 is five times the worst real case; a member
of zeros deflates about 1000:1.
"""
from __future__ import annotations

import os
import stat
import zipfile

# 24 h at 400 Hz with every optional column is about 3 GB.
MAX_FILE_BYTES = 4 << 30
MAX_MEMBER_BYTES = 4 << 30
# Members this small are never refused for their ratio (a header-only CSV
# compresses well and costs nothing).
RATIO_FREE_BYTES = 1 << 20
MAX_COMPRESSION_RATIO = 100
MAX_COLUMNS = 1000
# An app's export holds a few CSVs (Sensor Logger: one per sensor, about 20).
MAX_ZIP_MEMBERS = 1000
# A week: longer than any session or day of wear, short enough that a
# per-second structure over it stays small.
MAX_SPAN_S = 7 * 86400.0
READ_CHUNK_BYTES = 1 << 20


class InputLimitError(ValueError):
    """An input exceeds one of the documented limits (base of the readers' errors)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path: str | os.PathLike, error=InputLimitError) -> os.stat_result:
    """``os.stat`` of ``path``; raise ``error`` unless it is a regular file within the size limit.

    Follows symlinks (a link to a recording is fine; a link to ``/dev/zero``
    is refused like ``/dev/zero`` itself). Does not open the file.
    """
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except OSError as err:
        raise error(f"{path}: cannot open: {err.strerror or err}") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: is {_kind(st.st_mode)}; only regular files are read")
    if st.st_size > MAX_FILE_BYTES:
        raise error(f"{path}: {st.st_size >> 20} MB; larger than the {MAX_FILE_BYTES >> 20} MB "
                    f"a recording can be")
    return st


def open_regular(path: str | os.PathLike, error=InputLimitError):
    """Open ``path`` for binary reading, only if it is a regular file.

    Checked before opening (so a FIFO does not block the open) and again on
    the open descriptor (``O_NONBLOCK``, ``fstat``) so that a file swapped
    for a FIFO or device in between is refused too.
    """
    path = os.fspath(path)
    check_regular(path, error)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise error(f"{path}: cannot open: {err.strerror or err}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: is {_kind(st.st_mode)}; only regular files are read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_zip(path: str | os.PathLike) -> bool:
    """``zipfile.is_zipfile`` for a regular file; False for anything else (never blocks)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
    except OSError:
        return False
    return zipfile.is_zipfile(path)


def check_member(info: zipfile.ZipInfo, where: str, error=InputLimitError) -> None:
    """Refuse a zip member whose declared size or compression ratio is a bomb's."""
    if info.file_size > MAX_MEMBER_BYTES:
        raise error(f"{where}: {info.file_size / 2**20:.1f} MB uncompressed; larger than the "
                    f"{MAX_MEMBER_BYTES / 2**20:.0f} MB a recording can be")
    if info.file_size > RATIO_FREE_BYTES and \
            info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise error(f"{where}: compressed {info.file_size / max(info.compress_size, 1):.0f}:1 "
                    f"({info.compress_size} bytes to {info.file_size / 2**20:.1f} MB); a recording "
                    f"compresses at most {MAX_COMPRESSION_RATIO}:1, so this looks like a "
                    f"zip bomb and is not read")


def read_bounded(fh, limit: int, where: str, error=InputLimitError,
                 chunk_bytes: int = READ_CHUNK_BYTES) -> bytes:
    """Read ``fh`` to its end in chunks, refusing more than ``limit`` bytes.

    The bytes are counted as they arrive, so a stream that yields more than
    it declared is stopped at ``limit`` + one chunk, never read whole.
    """
    parts, total = [], 0
    while True:
        block = fh.read(chunk_bytes)
        if not block:
            break
        total += len(block)
        if total > limit:
            raise error(f"{where}: more than {limit >> 20} MB; too large for a recording")
        parts.append(block)
    return b"".join(parts)


def check_span(t0: float, t1: float, where: str, error=InputLimitError) -> None:
    """Refuse a recording whose times span more than :data:`MAX_SPAN_S`."""
    span = t1 - t0
    if not span <= MAX_SPAN_S:  # also catches NaN
        raise error(f"{where}: the times span {span / 86400:.3g} days ({t0:.6g} s to "
                    f"{t1:.6g} s); a recording covers at most {MAX_SPAN_S / 86400:.0f} days, "
                    f"so the clock must have jumped. Split the file or fix its times")
