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

from typing import TYPE_CHECKING

from seqgan_gumbel.errors import UserError

if TYPE_CHECKING:
    from seqgan_gumbel.evaluation.judge import Judge
    from seqgan_gumbel.models.decoding import Decoder


def decoders(temperatures: list[float], top_ks=(), top_ps=()) -> list[Decoder]:
    """The decoders a sweep draws with: each temperature plain, then each top-k and each top-p value
    at each temperature (one curve per truncation, Holtzman et al. 2020)."""
    from seqgan_gumbel.models.decoding import Decoder

    return ([Decoder(t) for t in temperatures] + [Decoder(t, top_k=k) for k in top_ks for t in temperatures]
            + [Decoder(t, top_p=p) for p in top_ps for t in temperatures])


def sweep_run(run_dir: str | Path, temperatures: list[float], num: int, seed: int, order: int,
              strengths: list[float] | None = None, method: str = "guide", candidates: int = 8, *,
              top_ks=(), top_ps=(), judge: Judge | None = None, judges=("lm", "mauve")):
    """(the run's data kind, one row of figures per temperature) for a trained run. With strengths,
    one row per strength and temperature, sampled with the run's ratio model (strength 0: plain).
    top_ks, top_ps: also a row per truncated decoder (decoders()). judge: its figures in every
    row (judges: which; the reverse LM and MAUVE against the run's test.txt)."""
    from seqgan_gumbel.evaluation.judge import run_lines
    from seqgan_gumbel.models.drawing import draw_ids
    from seqgan_gumbel.setup.runs import load_run
    from seqgan_gumbel.ratio.samplers import make_sampler

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    kind, gen, vocab = run.kind(), run.generator, run.vocab
    test = run_lines(run_dir, "test") if judge is not None else None
    ratio = None
    if strengths and any(g > 0 for g in strengths):
        from seqgan_gumbel.ratio.model import load_ratio

        ratio = load_ratio(run)[0]
    rows = []
    for g in strengths or [0.0]:
        for d in decoders(temperatures, top_ks, top_ps):
            row = {"run": str(run_dir), "temperature": d.temperature, "n": num}
            row |= {"top_k": d.top_k, "top_p": d.top_p} if top_ks or top_ps else {}
            if g == 0:
                uses, ids = gen, draw_ids(gen, num, decoder=d, seed=seed)
                row |= {"method": "plain", "strength": 0.0} if strengths else {}
            else:
                uses = make_sampler(gen, ratio, temperature=d.temperature, method=method, strength=g,
                                    candidates=candidates, top_k=d.top_k, top_p=d.top_p)
                ids, stats = uses.draw(num, seed=seed)
                row |= {"method": uses.name, "strength": g, **stats}
            texts = [vocab.text(vocab.decode(r)) for r in ids.tolist()]
            row |= kind.sweep_figures(texts, uses, d if d.truncates else d.temperature, order)
            rows.append(row | (judge.figures(texts, test, judges, seed) if judge is not None else {}))
    return kind, rows


JUDGE_PLANES = (("reverse_lm", "reverse-LM score (NLL of real test text; lower = closer)",
                 "lm_score", "LM score (judge NLL of the samples; lower = better)"),
                ("temperature", "sampling temperature", "mauve", "MAUVE, judge-LM features (higher = closer)"))


def _label(name: str, row: dict) -> str:
    """The legend label of a row: the run's, with its truncation and its sampler and strength."""
    name += f" top-k {row['top_k']}" if row.get("top_k") else ""
    name += f" top-p {row['top_p']:g}" if row.get("top_p", 1.0) < 1 else ""
    if not row.get("strength"):
        return name
    extra = f" K={row['candidates']}" if row["method"] == "sir" else ""
    return f"{name} {row['method']} G={row['strength']:g}{extra}"


def sweep(run_dirs: list[str], temperatures: list[float], num: int, seed: int, order: int,
          out: Path, labels: list[str] | None = None, strengths: list[float] | None = None,
          method: str = "guide", candidates: int = 8, *, top_ks=(), top_ps=(), judge: Judge | None = None,
          find: bool = False, judges=("lm", "mauve")) -> list[dict]:
    """Sweep every run, write sweep.json, sweep.csv and sweep.png into out; all runs one data kind.
    judge: judge every point with it; find: with the judge cached for each run's training text,
    if there is one (runs judged by different judges are refused: their figures do not compare)."""
    import csv
    import json

    from seqgan_gumbel.metrics.plots import sweep_plot

    kinds, rows, names = {}, [], labels or [Path(r).name for r in run_dirs]
    if len(names) != len(run_dirs):
        raise UserError(f"--label given {len(names)} times for {len(run_dirs)} runs; give one per --run")
    from seqgan_gumbel.evaluation.judge import run_judge

    run_judges = [judge if judge is not None or not find else run_judge(r) for r in run_dirs]
    if len({j.digest if j else None for j in run_judges}) > 1:
        raise UserError("the runs' training texts have different judges (or some none): give one --judge DIR")
    for run_dir, name, jd in zip(run_dirs, names, run_judges):
        kind, run_rows = sweep_run(run_dir, temperatures, num, seed, order, strengths, method, candidates,
                                   top_ks=top_ks, top_ps=top_ps, judge=jd, judges=judges)
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
    more = [p for p in JUDGE_PLANES if any(p[0] in r and p[2] in r for r in rows)]
    sweep_plot(rows, x.key, x.label.format(n=order), y.key, y.label.format(n=order), out / "sweep.png",
               title=f"quality against diversity over sampling temperature ({name})", more=more)
    return rows

