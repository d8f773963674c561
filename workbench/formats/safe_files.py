"""Opening the files of a run folder safely: regular files only (never a FIFO, a device or a
link to one), without ever blocking, within a size cap, and (for artifacts) inside the folder.

Three kinds of failure, told apart because the ingester treats them differently:
`UnreadableFileError` (permissions, an I/O error: retried on every pass until it reads),
`NotRegularFileError` and `FileTooLargeError` (reported once, until the file changes).

Data files outside run folders (datasets, drift inputs, model files) use `open_binary` (a file
object; the OS's own errors left as they are) and `require_regular` (a stat before a path is
handed to a reader that opens it itself, such as pyarrow or polars).
"""

from __future__ import annotations

import io
import os
import stat

from workbench.errors import RunFormatError

#: O_NONBLOCK: opening a FIFO that slipped in after the check returns at once instead of
#: waiting for a writer (it changes nothing for a regular file).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class UnreadableFileError(RunFormatError):
    """A file that exists but cannot be read now (permissions, an I/O error)."""


class NotRegularFileError(RunFormatError):
    """A FIFO, a device, a socket or a folder where a regular file belongs."""


class FileTooLargeError(RunFormatError):
    """A small file beyond its size cap."""


def describe_mode(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    )
    for test, name in kinds:
        if test(mode):
            return name
    return "not a regular file"


def not_regular(
    path: str | os.PathLike[str], mode: int, skipped: bool = True
) -> NotRegularFileError:
    """The error for a special file at `path` (`skipped`: the sentence ends "; skipped")."""
    tail = "; skipped" if skipped else ""
    return NotRegularFileError(
        f"{os.fspath(path)} is {describe_mode(mode)}, not a regular file{tail}"
    )


def unreadable(path: str | os.PathLike[str], exc: OSError) -> UnreadableFileError:
    """The error for a file the OS refused to read."""
    reason = exc.strerror or exc.__class__.__name__
    return UnreadableFileError(f"cannot read {os.fspath(path)}: {reason}")


def open_regular(
    path: str | os.PathLike[str], checked: bool = False
) -> tuple[int, os.stat_result]:
    """An open descriptor of a regular file and its fstat; FileNotFoundError when absent.

    The path is stat'ed (following links) before it is opened, so a FIFO or a device is never
    opened; `checked=True` says the caller's own recent stat found a regular file there, and
    saves that second stat. The open is non-blocking and the descriptor fstat'ed, for a swap
    in between.
    """
    try:
        return _open_fd(path, checked, skipped=True)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise unreadable(path, exc) from None


def _open_fd(
    path: str | os.PathLike[str], checked: bool, skipped: bool
) -> tuple[int, os.stat_result]:
    """open_regular with the OS's errors (OSError) raised as they are."""
    if not checked:
        require_regular(path, skipped)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise not_regular(path, st.st_mode, skipped)
    return fd, st


def require_regular(path: str | os.PathLike[str], skipped: bool = True) -> os.stat_result:
    """The stat (links followed) of the regular file at `path`: for a path about to be handed
    to a reader that opens it itself. NotRegularFileError for a FIFO, a device, a socket or a
    folder; OSError (FileNotFoundError...) as the OS raised it."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(path, st.st_mode, skipped)
    return st


def open_binary(
    path: str | os.PathLike[str], checked: bool = False, skipped: bool = False
) -> io.FileIO:
    """The regular file at `path` opened for reading bytes (unbuffered), never blocking on a
    FIFO or reading a device: as open_regular, but a file object, and the OS's errors
    (FileNotFoundError, PermissionError...) raised as they are. NotRegularFileError for a
    special file, its sentence ending "; skipped" only when `skipped`."""
    fd, _st = _open_fd(path, checked, skipped)
    return io.FileIO(fd, "rb", closefd=True)


def read_capped(path: str | os.PathLike[str], cap: int, checked: bool = False) -> bytes:
    """A whole small regular file, at most `cap` bytes; FileNotFoundError when absent.

    `checked`: as for open_regular."""
    fd, st = open_regular(path, checked)
    try:
        if st.st_size > cap:
            raise too_large(path, st.st_size, cap)
        try:
            data = os.read(fd, max(st.st_size, 1 << 16) + 1)
            if len(data) > st.st_size:  # it grew since the fstat: read on, up to the cap
                parts = [data]
                total = len(data)
                while total <= cap and (block := os.read(fd, 1 << 20)):
                    parts.append(block)
                    total += len(block)
                data = b"".join(parts)
        except OSError as exc:
            raise unreadable(path, exc) from None
        if len(data) > cap:
            raise too_large(path, len(data), cap)
        return data
    finally:
        os.close(fd)


def too_large(path: str | os.PathLike[str], size: int, cap: int) -> FileTooLargeError:
    """The error for a small file beyond its cap."""
    return FileTooLargeError(
        f"{os.fspath(path)} is {size:,} bytes, over the {cap:,}-byte limit for this file; skipped"
    )


def is_inside(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """True when `path` (links resolved) is `folder` (links resolved) or under it."""
    return _under(os.path.realpath(folder), os.path.realpath(path))


def open_inside(
    folder: str | os.PathLike[str],
    path: str | os.PathLike[str],
    checked: bool = False,
    real_folder: str | None = None,
) -> int:
    """An open descriptor of the regular file at `path`, which must resolve inside `folder`
    (checked before opening, and again on the descriptor where /proc tells its real path).

    `checked=True`: the caller's own recent scan found a regular file inside the folder there
    (only the check on the descriptor is made); `real_folder`: os.path.realpath(folder), when
    the caller has it. NotRegularFileError for a special file or one leading out of the folder.
    """
    real = real_folder if real_folder is not None else os.path.realpath(folder)
    if not checked and not _under(real, os.path.realpath(path)):
        raise NotRegularFileError(f"{os.fspath(path)} leads outside its run folder; skipped")
    fd, _st = open_regular(path, checked)
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return fd  # no /proc here: the check before opening stands
    if not _under(real, opened):
        os.close(fd)
        raise NotRegularFileError(f"{os.fspath(path)} leads outside its run folder; skipped")
    return fd


def _under(real_folder: str, real_path: str) -> bool:
    return real_path == real_folder or real_path.startswith(real_folder.rstrip(os.sep) + os.sep)
