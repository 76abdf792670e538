"""Quality against diversity across sampling temperatures (Caccia et al. 2020, "Language GANs falling short").

A GAN is better than MLE only if its whole curve is: lowering the temperature of an MLE model
also trades diversity for quality. Each data kind names its axes (kinds/); the built-in ones:
    grammar  validity (quality) against the grammar's exact NLL of the valid samples (diversity)
    oracle   NLL_oracle of the samples (quality) against NLL_test, the generator's NLL of
             held-out oracle samples at the same temperature (diversity)
    corpus   BLEU-n against the held-out text (quality) against Self-BLEU-n (diversity); every
             row also holds BLEU-2..5, Self-BLEU-2..5 and NLL_test, the generator's NLL of the
             held-out text at that temperature
"""
from __future__ import annotations

from pathlib import Path

from seqgan_gumbel.errors import UserError


def sweep_run(run_dir: str | Path, temperatures: list[float], num: int, seed: int, order: int,
              strengths: list[float] | None = None, method: str = "guide", candidates: int = 8):
    """(the run's data kind, one row of figures per temperature) for a trained run. With strengths,
    one row per strength and temperature, sampled with the run's ratio model (strength 0: plain)."""
    from seqgan_gumbel.models.drawing import draw_ids
    from seqgan_gumbel.setup.runs import load_run
    from seqgan_gumbel.ratio.samplers import make_sampler

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    kind, gen, vocab = run.kind(), run.generator, run.vocab
    ratio = None
    if strengths and any(g > 0 for g in strengths):
        from seqgan_gumbel.ratio.model import load_ratio

        ratio = load_ratio(run)[0]
    rows = []
    for g in strengths or [0.0]:
        for t in temperatures:
            row = {"run": str(run_dir), "temperature": t, "n": num}
            if g == 0:
                uses, ids = gen, draw_ids(gen, num, temperature=t, seed=seed)
                row |= {"method": "plain", "strength": 0.0} if strengths else {}
            else:
                uses = make_sampler(gen, ratio, temperature=t, method=method, strength=g, candidates=candidates)
                ids, stats = uses.draw(num, seed=seed)
                row |= {"method": uses.name, "strength": g, **stats}
            texts = [vocab.text(vocab.decode(r)) for r in ids.tolist()]
            rows.append(row | kind.sweep_figures(texts, uses, t, order))
    return kind, rows


def _label(name: str, row: dict) -> str:
    """The legend label of a row: the run's, with the sampler and strength when it has one."""
    if not row.get("strength"):
        return name
    extra = f" K={row['candidates']}" if row["method"] == "sir" else ""
    return f"{name} {row['method']} G={row['strength']:g}{extra}"


def sweep(run_dirs: list[str], temperatures: list[float], num: int, seed: int, order: int,
          out: Path, labels: list[str] | None = None, strengths: list[float] | None = None,
          method: str = "guide", candidates: int = 8) -> list[dict]:
    """Sweep every run, write sweep.json, sweep.csv and sweep.png into out; all runs one data kind."""
    import csv
    import json

    from seqgan_gumbel.metrics.plots import sweep_plot

    kinds, rows, names = {}, [], labels or [Path(r).name for r in run_dirs]
    if len(names) != len(run_dirs):
        raise UserError(f"--label given {len(names)} times for {len(run_dirs)} runs; give one per --run")
    for run_dir, name in zip(run_dirs, names):
        kind, run_rows = sweep_run(run_dir, temperatures, num, seed, order, strengths, method, candidates)
        kinds[kind.name] = kind
        rows += [dict(r, label=_label(name, r)) for r in run_rows]
    if len(kinds) > 1:
        raise UserError(f"the runs are of different data kinds ({', '.join(sorted(kinds))}); sweep runs of one kind")
    (name, kind), = kinds.items()
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps({"kind": name, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    keys = sorted({k for r in rows for k in r})
    with open(out / "sweep.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    x, y = kind.diversity, kind.quality
    sweep_plot(rows, x.key, x.label.format(n=order), y.key, y.label.format(n=order), out / "sweep.png",
               title=f"quality against diversity over sampling temperature ({name})")
    return rows
