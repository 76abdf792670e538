"""The temperature-sweep table shared by the result renderers (scripts/render/docs.py and
scripts/render/full.py): seed means per variant and temperature, the standard error of a GAN-MLE
difference, and one Markdown row per temperature with the GAN's gap to the MLE curve."""
from __future__ import annotations

from scripts.stats import by_temperature, diff_se


def gap_se(d: dict, key: str) -> dict[float, float | None]:
    """Per temperature, the standard error of (GAN seed mean - MLE seed mean) of one figure
    (scripts.stats.diff_se): the noise against which a GAN-MLE gap is judged; None for one seed."""
    groups: dict = {}
    for r in d["sweep"]["rows"]:
        groups.setdefault((r["label"], r["temperature"]), []).append(r[key])
    labels = [d["variants"][v]["label"] for v in ("mle", "gan") if v in d["variants"]]
    return {t: diff_se(*(groups.get((label, t), []) for label in labels)) if len(labels) == 2 else None
            for t in d["sweep"]["temperatures"]}


def sweep_rows(d: dict, keys: tuple[str, ...]) -> tuple[dict, list[str]]:
    """(seed means per variant and temperature, one table row per temperature: the MLE's figures,
    the GAN's, and the GAN's distance from the MLE curve ± the standard error of a GAN-MLE difference)."""
    sweep = {k: by_temperature([r for r in d["sweep"]["rows"] if r["label"] == v["label"]])
             for k, v in d["variants"].items()}
    gap_at = {r["temperature"]: r["gan_better_by"] for r in d.get("gan_against_mle_curve", [])}
    se = gap_se(d, d["sweep"]["y"])
    rows = []
    for t in d["sweep"]["temperatures"]:
        cells = [f"{sweep[v][t][k]:.3f}" if t in sweep.get(v, {}) else "-" for v in ("mle", "gan") for k in keys]
        gap, spread = gap_at.get(t), "" if se[t] is None else f" ± {se[t]:.3f}"
        rows.append(f"| {t:g} | " + " | ".join(cells) + f" | {'-' if gap is None else f'{gap:+.3f}{spread}'} |")
    return sweep, rows
