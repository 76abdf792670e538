"""The temperature-sweep table shared by the result renderers (scripts/render_docs.py and
scripts/render_full.py): seed means per variant and temperature, the standard error of a GAN-MLE
difference, and one Markdown row per temperature with the GAN's gap to the MLE curve."""
from __future__ import annotations

import statistics


def seed_means(rows: list[dict], label: str) -> dict[float, dict]:
    """Per temperature, the seed-mean of every figure of one variant's sweep rows."""
    mine = [r for r in rows if r["label"] == label]
    out = {}
    for t in sorted({r["temperature"] for r in mine}):
        at = [r for r in mine if r["temperature"] == t]
        out[t] = {k: sum(r[k] for r in at) / len(at) for k in at[0] if isinstance(at[0][k], float)}
    return out


def gap_se(d: dict, key: str) -> dict[float, float | None]:
    """Per temperature, the standard error of (GAN seed mean - MLE seed mean) of one figure,
    sqrt((sd_gan^2 + sd_mle^2) / seeds): the noise against which a GAN-MLE gap is judged."""
    groups: dict = {}
    for r in d["sweep"]["rows"]:
        groups.setdefault((r["label"], r["temperature"]), []).append(r[key])
    labels = [d["variants"][v]["label"] for v in ("mle", "gan") if v in d["variants"]]
    out = {}
    for t in d["sweep"]["temperatures"]:
        vals = [groups.get((label, t), []) for label in labels]
        n = min(len(v) for v in vals) if len(vals) == 2 else 0
        out[t] = (sum(statistics.variance(v) for v in vals) / n) ** 0.5 if n > 1 else None   # one seed: none
    return out


def sweep_rows(d: dict, keys: tuple[str, ...]) -> tuple[dict, list[str]]:
    """(seed means per variant and temperature, one table row per temperature: the MLE's figures,
    the GAN's, and the GAN's distance from the MLE curve ± the standard error of a GAN-MLE difference)."""
    sweep = {k: seed_means(d["sweep"]["rows"], v["label"]) for k, v in d["variants"].items()}
    gap_at = {r["temperature"]: r["gan_better_by"] for r in d.get("gan_against_mle_curve", [])}
    se = gap_se(d, d["sweep"]["y"])
    rows = []
    for t in d["sweep"]["temperatures"]:
        cells = [f"{sweep[v][t][k]:.3f}" if t in sweep.get(v, {}) else "-" for v in ("mle", "gan") for k in keys]
        gap, spread = gap_at.get(t), "" if se[t] is None else f" ± {se[t]:.3f}"
        rows.append(f"| {t:g} | " + " | ".join(cells) + f" | {'-' if gap is None else f'{gap:+.3f}{spread}'} |")
    return sweep, rows
