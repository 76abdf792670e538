"""PNG pictures of runs (matplotlib is imported only when a picture is drawn)."""
from __future__ import annotations

from pathlib import Path

from seqgan_gumbel.config.schema import stderr_notice
from seqgan_gumbel.errors import UserError


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def check_picture_path(path: str | Path, flag: str) -> None:
    """A picture file matplotlib can write, judged by its extension before any work is done."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    kinds = FigureCanvasAgg.get_supported_filetypes()
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in kinds:
        raise UserError(f"{flag} {path}: matplotlib cannot write .{ext} pictures; "
                        f"end the name with one of {', '.join('.' + k for k in sorted(kinds))} (e.g. .png)")


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
               title: str = "", more: list[tuple[str, str, str, str]] = ()) -> None:
    """One curve per run label through its temperatures, each point marked with its temperature;
    more: further planes (x key, x label, y key, y label), each a panel of its own beside the first.
    A missing or None figure (an infinite NLL, say) leaves its point out."""
    plt = _pyplot()
    planes = [(x, xlabel, y, ylabel), *more]
    fig, axes = plt.subplots(1, len(planes), figsize=(7 * len(planes), 5), squeeze=False)
    for ax, (xk, xl, yk, yl) in zip(axes[0], planes):
        for label in dict.fromkeys(r["label"] for r in rows):
            pts = sorted((r for r in rows if r["label"] == label and r.get(xk) is not None and r.get(yk) is not None),
                         key=lambda r: r["temperature"])
            xs, ys = [r[xk] for r in pts], [r[yk] for r in pts]
            ax.plot(xs, ys, marker="o", label=label)
            for r, xv, yv in zip(pts, xs, ys):
                ax.annotate(f"T={r['temperature']:g}", (xv, yv), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0][0].set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def curves_and_points(curves: dict[str, list[tuple]], points: list[tuple], xlabel: str, ylabel: str,
                       path: str | Path, title: str = "") -> None:
    """Temperature curves (label -> [(x, y, T)], a line each, points marked with T) and single points
    with error bars ((label, x, y, x_err, y_err)) on one quality-diversity plot."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    for label, pts in curves.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
        for xv, yv, t in pts:
            ax.annotate(f"T={t:g}", (xv, yv), textcoords="offset points", xytext=(4, -10), fontsize=7)
    markers, colours = "sD^v<>pPX*h", plt.get_cmap("tab20").colors
    for i, (label, xv, yv, xe, ye) in enumerate(points):
        ax.errorbar(xv, yv, xerr=xe, yerr=ye, fmt=markers[i % len(markers)], color=colours[(2 * i) % 20 + (i // 10) % 2],
                    capsize=3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


RATIO_KEYS = ("valid", "unique", "bleu2", "bleu4", "self_bleu4")     # in [0, 1]: the left axis
NLL_KEYS = ("nll_oracle", "nll_test")                                 # nats: their own right axis


def _curve(ax, rows: list[dict], key: str, label: str | None = None, **style) -> bool:
    pts = [(r["global_step"], r[key]) for r in rows if r.get(key) is not None]
    if pts:
        ax.plot(*zip(*pts), marker=".", label=label or key, **style)
    return bool(pts)


def _two_scales(ax, rows: list[dict], left: tuple, right: tuple, left_label: str, right_label: str) -> None:
    """Curves of two scales on one panel: `left` keys on the left axis, `right` keys (dashed) on
    a right axis of their own, one legend for both."""
    drawn = [k for k in left if _curve(ax, rows, k, color=f"C{left.index(k)}")]
    if drawn:
        ax.set_ylabel(left_label)
    other = [k for k in right if any(r.get(k) is not None for r in rows)]
    if other:
        twin = ax.twinx() if drawn else ax
        for k in other:
            _curve(twin, rows, k, ls="--", color=f"C{len(left) + right.index(k)}")
        twin.set_ylabel(right_label)
    handles, labels = [], []
    for a in {id(x): x for x in [ax, *ax.get_shared_x_axes().get_siblings(ax)]}.values():
        h, l = a.get_legend_handles_labels()
        handles, labels = handles + h, labels + l
    if handles:
        ax.legend(handles, labels, fontsize=8)


def _title(run_dir: Path) -> str:
    """The run's path and what it trained on, read from its config.toml."""
    import tomllib

    try:
        cfg = tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return f"run {run_dir}"
    data, tr = cfg.get("data", {}), cfg.get("train", {})
    what = {"oracle": "SeqGAN oracle", "corpus": Path(data.get("path", "")).name}.get(
        data.get("kind", "grammar"), f"grammar {Path(str(data.get('grammar', ''))).stem}")
    return f"run {run_dir}: {what}, {tr.get('adv_steps', '?')} adversarial steps ({tr.get('loss', '?')})"


def run_report(run_dir: str | Path, num_samples: int = 8) -> Path:
    """run_dir/report.png: losses, the relaxation temperature, the data's metrics over steps, a few samples."""
    run_dir = Path(run_dir)
    metrics = run_dir / "metrics.jsonl"
    if not metrics.is_file():
        raise UserError(f"{run_dir} has no metrics.jsonl; pass a run directory written by train")
    from seqgan_gumbel.storage.jsonl import read_metrics      # storage.checkpoint loads torch

    rows = read_metrics(metrics, stderr_notice)
    samples_file = run_dir / "samples.txt"
    try:
        samples = samples_file.read_text(encoding="utf-8").splitlines()[:num_samples] if samples_file.is_file() else []
    except UnicodeDecodeError as e:
        raise UserError(f"{samples_file} is not UTF-8 text ({e.reason} at byte {e.start}); write it again with "
                        f"`seqgan-gumbel sample --run {run_dir} --out {samples_file}` or remove it") from None
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    _two_scales(axes[0, 0], rows, ("mle_loss",), ("d_loss", "g_loss"), "MLE loss (nats per token)",
                "adversarial losses")
    axes[0, 0].set_title("losses")
    _curve(axes[0, 1], rows, "tau", "tau")
    axes[0, 1].set_title("Gumbel-softmax relaxation temperature tau")
    _two_scales(axes[1, 0], rows, RATIO_KEYS, NLL_KEYS, "fraction / BLEU", "NLL (nats per token)")
    axes[1, 0].set_title("the data's metrics on fresh samples")
    mle_end = max((r["global_step"] for r in rows if r["phase"] == "mle"), default=None)
    for a in axes.flat[:3]:
        a.set_xlabel("step")
        a.grid(alpha=0.3)
        if mle_end is not None and any(r["phase"] == "adv" for r in rows):
            a.axvline(mle_end, color="grey", ls="--", lw=0.8)
    ax = axes[1, 1]
    ax.axis("off")
    ax.set_title("samples")
    text = "\n".join((s if len(s) < 70 else s[:67] + "...") or "(empty)" for s in samples)
    ax.text(0, 1, text, va="top", family="monospace", fontsize=9)
    fig.suptitle(_title(run_dir), fontsize=11)
    fig.tight_layout()
    out = run_dir / "report.png"
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out
