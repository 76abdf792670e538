"""Where the commands write, checked before any work starts; and the operating system's refusals
(permissions, a full disk) as one line naming the path and the reason."""
from __future__ import annotations

import errno
import tempfile
from pathlib import Path

from seqgan_gumbel.errors import UserError

# Faults of the machine rather than of the user's command: exit status 1, not 2.
MACHINE_ERRNOS = {errno.ENOSPC, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _probe(folder: Path, flag: str, target: Path) -> None:
    """Write and remove a temporary file in folder: the only check that holds for root too."""
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as e:
        raise UserError(f"{flag} {target}: cannot write in {folder} ({(e.strerror or str(e)).lower()}); "
                        f"choose a folder you can write to") from None


def output_file(path: str | Path, flag: str) -> Path:
    """A file a command will write: not a folder, in a folder that exists and takes writes."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"{flag} {p} is a folder; give the name of a file (inside it, say)")
    parent = p.parent
    if not parent.exists():
        raise UserError(f"{flag} {p}: the folder {parent} does not exist; create it first or choose another path")
    if not parent.is_dir():
        raise UserError(f"{flag} {p}: {parent} is a file, not a folder")
    _probe(parent, flag, p)
    return p


def output_dir(path: str | Path, flag: str) -> Path:
    """A folder a command will create (with its parents) or write into."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UserError(f"{flag} {p} is a file; choose a folder")
    existing = p
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"{flag} {p}: {existing} is a file, not a folder")
    _probe(existing, flag, p)
    return p


def input_file(path: str | Path, what: str, hint: str) -> Path:
    """A file a command reads: it exists and is not a folder."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"{what} {p} is a folder, not a file; {hint}")
    if not p.is_file():
        raise UserError(f"{what} {p} does not exist; {hint}")
    return p


def os_error_line(e: OSError) -> str:
    """'cannot write /x/y: permission denied' and the like, for an error the OS raised mid-way."""
    reason = (e.strerror or str(e)).lower()
    where = f" {e.filename}" if e.filename else ""
    if e.errno in MACHINE_ERRNOS:
        return f"the machine refused{where}: {reason}; free some space (or fix the disk) and run it again"
    return f"{where.strip() or 'a file'}: {reason}; check the path and its permissions"
