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

from .errors import UserError


def sweep_run(run_dir: str | Path, temperatures: list[float], num: int, seed: int, order: int):
    """(the run's data kind, one row of figures per temperature) for a trained run."""
    from .run import draw_ids, load_run

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    kind, gen, vocab = run.kind(), run.generator, run.vocab
    rows = []
    for t in temperatures:
        ids = draw_ids(gen, num, temperature=t, seed=seed)
        texts = [vocab.text(vocab.decode(r)) for r in ids.tolist()]
        rows.append({"run": str(run_dir), "temperature": t, "n": num, **kind.sweep_figures(texts, gen, t, order)})
    return kind, rows


def sweep(run_dirs: list[str], temperatures: list[float], num: int, seed: int, order: int,
          out: Path, labels: list[str] | None = None) -> list[dict]:
    """Sweep every run, write sweep.json, sweep.csv and sweep.png into out; all runs one data kind."""
    import csv
    import json

    from .plots import sweep_plot

    kinds, rows, names = {}, [], labels or [Path(r).name for r in run_dirs]
    if len(names) != len(run_dirs):
        raise UserError(f"--label given {len(names)} times for {len(run_dirs)} runs; give one per --run")
    for run_dir, name in zip(run_dirs, names):
        kind, run_rows = sweep_run(run_dir, temperatures, num, seed, order)
        kinds[kind.name] = kind
        rows += [dict(r, label=name) for r in run_rows]
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
