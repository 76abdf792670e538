"""The command line's argument types (each mistake one line, exit status 2) and the decoding
options that sample shares with the commands that draw samples."""
from __future__ import annotations

import argparse


def whole(text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text} is out of range ({low} to {high:,})")
    return value


def count(text: str) -> int:
    return whole(text, 1, 10**8)


def count0(text: str) -> int:
    return whole(text, 0, 10**8)


def seed(text: str) -> int:
    return whole(text, 0, 2**31 - 1)


def positive(text: str) -> float:
    """A temperature: a finite number above 0 (at most 1e4)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1e4:      # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"{text} must be a positive finite number (at most 1e4)")
    return value


def probability(text: str) -> float:
    """A probability mass in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:      # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} must be in (0, 1]")
    return value


def numbers(kind, low: float, high: float):
    """The type of a comma-separated list of numbers in (low, high] (ints: [low, high])."""
    def parse(text: str) -> tuple:
        try:
            values = tuple(kind(x) for x in text.split(",") if x.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: give {kind.__name__}s separated by commas") from None
        inside = (lambda v: low <= v <= high) if kind is int else (lambda v: low < v <= high)
        if not values or not all(inside(v) for v in values):
            raise argparse.ArgumentTypeError(f"{text!r}: give values in {'[' if kind is int else '('}{low:g}, {high:g}]")
        return values
    return parse


def add_decoding(p: argparse.ArgumentParser) -> None:
    """--top-k and --top-p: truncation of each step's distribution, after --temperature."""
    p.add_argument("--top-k", metavar="K", type=count0, default=0,
                   help="keep only the K most likely tokens at each step (applied after --temperature, "
                        "renormalised; 0 = all, the default)")
    p.add_argument("--top-p", metavar="P", type=probability, default=1.0,
                   help="nucleus sampling: keep the fewest most likely tokens whose probability reaches P "
                        "(after --temperature and --top-k, renormalised; 1 = all, the default)")
