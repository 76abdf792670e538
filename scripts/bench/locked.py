"""One result file updated by benchmarks that run side by side: read, change and write it back
under its lock, atomically, so that no process loses another's seeds."""
from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import Callable


def update_json(path: Path, default: Callable[[], dict | None], update: Callable[[dict | None], dict]) -> dict:
    """Under path's lock (path.lock beside it): read the file (default() where there is none), pass
    it to update, and write what update returns atomically, as indented JSON. Returns that dict."""
    from seqgan_gumbel.storage import atomic_write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = update(json.loads(path.read_text()) if path.is_file() else default())
        text = json.dumps(result, indent=1) + "\n"
        atomic_write_bytes(path, lambda f: f.write(text.encode()))
    return result
