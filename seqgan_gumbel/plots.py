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


def sweep_plot(rows: list[dict], x: str, xlabel: str, y: str, ylabel: str, path: str | Path,
               title: str = "") -> None:
    """One curve per run label through its temperatures, each point marked with its temperature."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    for label in dict.fromkeys(r["label"] for r in rows):
        pts = sorted((r for r in rows if r["label"] == label), key=lambda r: r["temperature"])
        xs, ys = [r[x] for r in pts], [r[y] for r in pts]
        ax.plot(xs, ys, marker="o", label=label)
        for r, xv, yv in zip(pts, xs, ys):
            ax.annotate(f"T={r['temperature']:g}", (xv, yv), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
