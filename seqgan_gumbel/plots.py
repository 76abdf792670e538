"""PNG pictures of runs (matplotlib is imported only when a picture is drawn)."""
from __future__ import annotations

from pathlib import Path


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def toy_heatmap(history, target, path: str | Path) -> None:
    """Learned minus true probability per value (columns) and epoch (rows)."""
    plt = _pyplot()
    diff = (history - target.unsqueeze(0)).numpy()
    lim = max(abs(diff).max(), 1e-3)
    fig, ax = plt.subplots(figsize=(5, 6))
    im = ax.imshow(diff, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_xlabel("value")
    ax.set_ylabel("epoch")
    ax.set_xticks(range(diff.shape[1]))
    ax.set_title("learned - true probability")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
