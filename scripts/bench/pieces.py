"""The pieces of a benchmark's training run: where and how long each ran, appended to the run
folder's bench_pieces.json, so that a run trained in several pieces (stopped by a signal or a time
limit, resumed on another day or machine) reports the time of all of them, not the last one's.
Used by scripts/bench/seeds.py and scripts/bench/ratio.py."""
from __future__ import annotations

import json
import os
import platform
import time
from contextlib import contextmanager
from pathlib import Path

import torch

PIECES = "bench_pieces.json"


def machine(device: str) -> str:
    """The machine a piece ran on: architecture, torch threads, and the GPU's name or CPU."""
    where = torch.cuda.get_device_name() if device.startswith("cuda") and torch.cuda.is_available() else "CPU"
    return f"{platform.machine()}, {torch.get_num_threads()} torch threads, {where}"


def load_average() -> list[float] | None:
    """The machine's load averages over the last 1, 5 and 15 minutes (None where the system has
    none): recorded when a timed run ends, beside its wall time and threads, since on a small
    machine a job beside it can stretch a run's wall time twofold."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def pieces(out: Path) -> list[dict]:
    """The pieces recorded in the run folder out ([] before the first)."""
    path = out / PIECES
    return json.loads(path.read_text()) if path.is_file() else []


@contextmanager
def piece(out: Path, device: str):
    """Time the block as one piece of the run in out and append it to out's record once the block
    ends, normally or not: a piece stopped by a signal (or any error) is marked stopped and still
    counts its time. Nothing is written while out does not exist (the run never started)."""
    record = {"device": device, "date": time.strftime("%Y-%m-%d %H:%M")}
    t0 = time.perf_counter()
    try:
        yield record
    except BaseException:
        record["stopped"] = True
        raise
    finally:
        record["wall_s"] = round(time.perf_counter() - t0, 1)
        record["machine"] = machine(device)          # at the end: the block (a trainer) sets its own threads
        record["load"] = load_average()
        if out.is_dir():
            (out / PIECES).write_text(json.dumps(pieces(out) + [record], indent=1) + "\n")


def total_wall(recorded: list[dict]) -> float:
    """Wall seconds of the recorded pieces of a run (pieces(out))."""
    return round(sum(p["wall_s"] for p in recorded), 1)
