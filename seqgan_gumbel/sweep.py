"""Quality against diversity across sampling temperatures (Caccia et al. 2020, "Language GANs falling short").

A GAN is better than MLE only if its whole curve is: lowering the temperature of an MLE model
also trades diversity for quality. Per data kind:
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

AXES = {  # kind: (x key, x label, y key, y label)
    "grammar": ("nll_valid", "grammar NLL of valid samples (nats/sequence; higher = less typical)",
                "valid", "valid fraction"),
    "oracle": ("nll_test", "NLL_test (generator NLL of held-out oracle samples; lower = more diverse)",
               "nll_oracle", "NLL_oracle (lower = better quality)"),
    "corpus": ("self_bleu", "Self-BLEU-{n} (lower = more diverse)", "bleu", "BLEU-{n} vs held-out text"),
}


def sweep_run(run_dir: str | Path, temperatures: list[float], num: int, seed: int, order: int) -> tuple[str, list[dict]]:
    """(data kind, one row of figures per temperature) for a trained run."""
    from .evaluation import encode_lines, oracle_test_ids, read_text_lines, text_scores
    from .grammar_metrics import grammar_scores
    from .run import draw_ids, generator_nll, load_run
    from .vocab import N_SPECIALS

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    kind = run.config.data.kind
    gen, vocab = run.generator, run.vocab
    if kind == "oracle":
        from .oracle import load_oracle

        oracle = load_oracle(run_dir / "oracle.npz")
        test = oracle_test_ids(run_dir, oracle)
    elif kind == "corpus":
        refs = read_text_lines(run_dir / "test.txt", "test file", False)
        test = encode_lines(run, refs)
    rows = []
    for t in temperatures:
        ids = draw_ids(gen, num, temperature=t, seed=seed)
        samples = [vocab.decode(r) for r in ids.tolist()]
        row: dict = {"run": str(run_dir), "temperature": t, "n": num}
        if kind == "grammar":
            s = grammar_scores(samples, run.grammar)
            row.update({k: s[k] for k in ("valid", "unique", "mean_length", "nll_valid")})
        elif kind == "oracle":
            row["nll_oracle"] = oracle.nll(ids - N_SPECIALS)
            row["nll_test"] = generator_nll(gen, test, vocab.pad, temperature=t)
        else:
            orders = sorted({2, 3, 4, 5, order})
            s = text_scores([vocab.text(x) for x in samples], refs, orders=orders, self_bleu=True)
            row.update(bleu=s["bleu"][str(order)], self_bleu=s["self_bleu"][str(order)], order=order)
            row.update({f"bleu{n}": s["bleu"][str(n)] for n in orders})
            row.update({f"self_bleu{n}": s["self_bleu"][str(n)] for n in orders})
            row["nll_test"] = generator_nll(gen, test, vocab.pad, temperature=t)
        rows.append(row)
    return kind, rows


def sweep(run_dirs: list[str], temperatures: list[float], num: int, seed: int, order: int,
          out: Path, labels: list[str] | None = None) -> list[dict]:
    """Sweep every run, write sweep.json, sweep.csv and sweep.png into out; all runs one data kind."""
    import csv
    import json

    from .plots import sweep_plot

    kinds, rows, names = set(), [], labels or [Path(r).name for r in run_dirs]
    if len(names) != len(run_dirs):
        raise UserError(f"--label given {len(names)} times for {len(run_dirs)} runs; give one per --run")
    for run_dir, name in zip(run_dirs, names):
        kind, run_rows = sweep_run(run_dir, temperatures, num, seed, order)
        kinds.add(kind)
        rows += [dict(r, label=name) for r in run_rows]
    if len(kinds) > 1:
        raise UserError(f"the runs are of different data kinds ({', '.join(sorted(kinds))}); sweep runs of one kind")
    kind = kinds.pop()
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps({"kind": kind, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    keys = sorted({k for r in rows for k in r})
    with open(out / "sweep.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    x, xl, y, yl = AXES[kind]
    sweep_plot(rows, x, xl.format(n=order), y, yl.format(n=order), out / "sweep.png",
               title=f"quality against diversity over sampling temperature ({kind})")
    return rows
