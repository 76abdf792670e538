"""metrics.jsonl: a run's log, one JSON object a line, read back whole or cut at a step."""
from __future__ import annotations

import json
from pathlib import Path

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.storage.checkpoint import atomic_write_bytes


def read_metrics(path: Path, notify=None) -> list[dict]:
    """The rows of a metrics.jsonl. A last line cut short (the run was killed while writing it)
    is dropped, with a notice; a damaged line before it is a UserError naming it."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    rows = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if i < len(lines):
                raise UserError(f"{path} line {i} is not JSON: the file was damaged; restore it or start "
                                f"the run again") from None
            if notify is not None:
                notify(f"{path}: dropped its last line, cut short when the run was stopped while writing it")
    return rows


def truncate_metrics(path: Path, global_step: int, notify=None) -> None:
    """Drop logged rows past the checkpoint (and a torn last line): the resumed run logs those steps again."""
    if not path.is_file():
        return
    keep = [r for r in read_metrics(path, notify) if r.get("global_step", 0) <= global_step]
    atomic_write_bytes(path, lambda f: f.write("".join(json.dumps(r) + "\n" for r in keep).encode("utf-8")))
