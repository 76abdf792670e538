"""Saving a rendered figure: the one way the renderers write their plots."""
from __future__ import annotations

from pathlib import Path


def save(fig, out: Path, dpi: int = 90, rect: tuple[float, float, float, float] | None = None) -> None:
    """Lay the figure out (within rect, figure fractions, leaving room for a figure legend), write it
    to out (its folder made if need be) and free it."""
    import matplotlib.pyplot as plt

    fig.tight_layout(rect=rect)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
