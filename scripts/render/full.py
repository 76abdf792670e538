"""The full-size tables (issue 14) for scripts/render/docs.py: RelGAN's recipe at its own size on
the oracle (results/oracle/full.json, GPU; light.json, the same with the CPU-sized critic) and
on COCO (results/coco/full.json), each with the seeds measured so far, the runs still in pieces
(their last logged iteration), the targets, and where every piece ran."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from scripts import ROOT
from scripts.render.curves import logged
from scripts.render.sweep_table import sweep_rows
from scripts.stats import by_temperature, interpolate, mean_sd


RELGAN_ORACLE, SEQGAN_MLE = 6.680, 9.038
RELGAN100 = {"2": .849, "3": .687, "4": .502, "5": .331}


def load_result(rel: str) -> dict | None:
    """A result file (path relative to the repository), None when it is not there yet."""
    p = ROOT / rel
    return json.loads(p.read_text()) if p.is_file() else None


def _mean_sd(values: list[float]) -> str:
    mean, sd = mean_sd(values)
    return f"{mean:.3f}" + ("" if sd is None else f" ± {sd:.3f}")


def _kind(piece: dict) -> str:
    """The device a piece ran on, as its machine line names it ("CPU", "NVIDIA H200")."""
    return piece["machine"].split(", ")[-1]


def _by_device(seeds: dict) -> dict[str, list[str]]:
    """The seeds grouped by the device each ran on: the one holding most of its pieces' wall time
    (a GAN trained on a GPU and scored on a CPU ran on the GPU)."""
    groups: dict[str, list[str]] = {}
    for seed, s in sorted(seeds.items()):
        walls: dict[str, float] = {}
        for p in s.get("pieces", []):
            kind = _kind(p)
            walls[kind] = walls.get(kind, 0.0) + p["wall_s"]
        groups.setdefault(max(walls, key=walls.get) if walls else "-", []).append(seed)
    return groups


def _devices(seeds: dict) -> str:
    return " and ".join(_by_device(seeds)) or "-"


def _device_walls(seeds: dict) -> str:
    """Per device, its mean wall time per seed (and which seeds, where the seeds ran on several)."""
    groups = _by_device(seeds)
    parts = []
    for kind, ids in groups.items():
        which = f" (seed{'s' * (len(ids) > 1)} {', '.join(ids)})" if len(groups) > 1 else ""
        parts.append(f"{kind}{which}, {statistics.fmean(seeds[i]['wall_s'] for i in ids):.0f} s")
    return "; ".join(parts)


def unfinished(bench: str, name: str, d: dict) -> list[str]:
    """Runs kept in <name>_runs/ that are not in the result file: how far each got, where, and
    whether a fresh clone can resume it; then the attempts set aside in <name>_lost/."""
    out = []
    res = ROOT / "results" / bench
    for run in sorted((res / f"{name}_runs").glob("*-s*")):
        key, seed = run.name.rsplit("-s", 1)
        if seed in d["variants"].get(key, {}).get("seeds", {}) or not (run / "metrics.jsonl").is_file():
            continue
        rows, pieces = logged(run), _pieces(run)
        done = "training finished, not scored yet" if (run / "summary.json").is_file() else \
            f"stopped part-way, last logged iteration {rows[-1]['step']:,}{_of(run, key)}"
        resume = (f"its checkpoint is kept in {name}_runs/{run.name}/resume/: the same command resumes it on any machine"
                  if (run / "resume" / "checkpoint.pt").is_file() else
                  "the same command resumes it only where runs/ holds its checkpoint")
        out.append(f"{key.upper()} seed {seed}: {done} ({_where(pieces)}); {resume}")
    for run in sorted((res / f"{name}_lost").glob("*-s*.*")):
        key, rest = run.name.rsplit("-s", 1)
        seed, attempt = rest.split(".", 1)
        out.append(f"{key.upper()} seed {seed}, attempt {attempt}: checkpoint lost at iteration "
                   f"{logged(run)[-1]['step']:,} ({_where(_pieces(run))}); its curve is kept in {name}_lost/{run.name}")
    return out


def _left_note(left: list[str]) -> str:
    """The line under a full-size table listing unfinished() (empty when nothing is left out)."""
    return "\n\nNot in the table (unfinished, or lost and begun again): " + "; ".join(left) + "." if left else ""


def _of(run: Path, key: str) -> str:
    """' of N' for a GAN run (N adversarial iterations, from the config and overrides it records);
    '' for an MLE run (early-stopped: no set length) or a run without its config record."""
    import tomllib

    if key != "gan" or not (run / "config.json").is_file():
        return ""
    record = json.loads((run / "config.json").read_text())
    steps = tomllib.loads((ROOT / record["config"]).read_text())["train"]["adv_steps"]
    return f" of {int(record['overrides'].get('train.adv_steps', steps)):,}"


def _pieces(run: Path) -> list[dict]:
    return json.loads((run / "bench_pieces.json").read_text()) if (run / "bench_pieces.json").is_file() else []


def _where(pieces: list[dict]) -> str:
    where = ", ".join(sorted({_kind(p) for p in pieces})) or "?"
    return f"{len(pieces)} piece(s) on {where}, {sum(p['wall_s'] for p in pieces):.0f} s"


def _means(rows: list[dict]) -> list[tuple[float, float, float]]:
    """(T, NLL_test, NLL_oracle) seed means of sweep rows, by temperature."""
    return [(t, m["nll_test"], m["nll_oracle"]) for t, m in by_temperature(rows).items()]


def _curve(d: dict, label_key: str) -> list[tuple[float, float, float]]:
    """_means of one variant's sweep rows ([] when the variant is missing)."""
    v = d["variants"].get(label_key)
    return _means([r for r in d["sweep"]["rows"] if r["label"] == v["label"]]) if v else []


def _interp(curve: list[tuple[float, float, float]], x: float) -> float | None:
    """NLL_oracle of a curve at NLL_test x (linear between its points; None outside)."""
    return interpolate([(c[1], c[2]) for c in curve], x)


def _oracle_targets(d: dict) -> str:
    today = _curve(load_result("results/oracle/cpu.json") or {"variants": {}}, "mle")
    mle, gan = _curve(d, "mle"), d["variants"].get("gan")
    parts = []
    if mle and today:
        diffs = [(t, ref - y) for t, x, y in mle if (ref := _interp(today, x)) is not None]
        below = all(g > 0 for _, g in diffs)
        parts.append(f"MLE curve below today's (`results/oracle/cpu.json`, 3,000 steps) wherever they overlap: "
                     f"**{'reached' if diffs and below else 'missed'}** ("
                     + (", ".join(f"T = {t:g}: {g:+.3f}" for t, g in diffs) or "no overlap")
                     + " nats lower NLL_oracle at the same NLL_test)")
        at8 = _interp(mle, 8.0)
        parts.append(f"MLE curve through NLL_oracle ≤ {SEQGAN_MLE} with NLL_test ≤ 8.0: "
                     f"**{'reached' if at8 is not None and at8 <= SEQGAN_MLE else 'missed'}** "
                     f"({'outside the swept range' if at8 is None else f'{at8:.3f} at NLL_test 8.0'})")
    if gan:
        vals = [s["nll_oracle"] for s in gan["seeds"].values()]
        n = len(vals)
        parts.append(f"GAN NLL_oracle ≤ {RELGAN_ORACLE} at T = 1: **{'reached' if max(vals) <= RELGAN_ORACLE else 'missed'}** "
                     f"({_mean_sd(vals)}, {n} of 3 seeds)")
    else:
        parts.append(f"GAN NLL_oracle ≤ {RELGAN_ORACLE}: not measured yet (no GAN seed finished)")
    return "Targets (issue 14): " + "; ".join(parts) + "."


def oracle_size(name: str) -> str:
    d = load_result(f"results/oracle/{name}.json")
    if d is None:
        return f"Not run yet: `python -m scripts.bench.seeds oracle --size {name}`."
    rows = []
    for key, v in d["variants"].items():
        s = v["seeds"]
        rows.append(f"| {v['label']} | {len(s)} ({', '.join(sorted(s))}) | {_mean_sd([x['nll_oracle'] for x in s.values()])} | "
                    f"{_mean_sd([x['nll_test'] for x in s.values()])} | {_device_walls(s)} |")
    rows += [f"| published: MLE (SeqGAN, via RelGAN Table 1) | - | {SEQGAN_MLE} | - | - |",
             f"| published: RelGAN, relational memory, β_max = 1 (Table 1) | - | {RELGAN_ORACLE:.3f} ± 0.343 | - | - |"]
    today = _curve(load_result("results/oracle/cpu.json") or {"variants": {}}, "mle")
    mle, gan = {c[0]: c for c in _curve(d, "mle")}, {c[0]: c for c in _curve(d, "gan")}
    sweep = [f"| {t:g} | {mle[t][2]:.3f} | {mle[t][1]:.3f} | "
             + (f"{gan[t][2]:.3f} | {gan[t][1]:.3f}" if t in gan else "- | -")
             + f" | {_fmt(_interp(today, mle[t][1]))} |" for t in sorted(mle)]
    return ("| SeqGAN oracle, length 20, RelGAN's recipe | seeds | NLL_oracle (T = 1) | NLL_test (T = 1) | "
            "device, wall per seed |\n|---|---|---|---|---|\n" + "\n".join(rows)
            + _left_note(unfinished("oracle", name, d))
            + "\n\n" + _oracle_targets(d) + "\n\nOver sampling temperatures (seed means; 10,000 samples a point; the last "
            "column: today's MLE curve at the same NLL_test):\n\n| T | MLE NLL_oracle | MLE NLL_test | GAN NLL_oracle | "
            "GAN NLL_test | today's MLE NLL_oracle |\n|---|---|---|---|---|---|\n" + "\n".join(sweep)
            + f"\n\n`{d['config']}`; torch {d['torch']}; {d['date']}.")


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _coco_sweep(d: dict) -> str:
    """The sweep table: MLE beside GAN per temperature, and the GAN's BLEU-4 against the MLE curve's
    at the same Self-BLEU-4 (scripts.bench.seeds.curve_gap, kept in the result file)."""
    _, lines = sweep_rows(d, ("bleu4", "self_bleu4", "nll_test"))
    return ("Over sampling temperatures (seed means, 10,000 samples a point; the last column: the GAN's BLEU-4 minus "
            "the MLE curve's at the same Self-BLEU-4, linear between MLE temperatures, ± the standard error of a "
            "difference of seed means where there are 2 or more seeds; - outside its range):\n\n"
            "| T | MLE BLEU-4 | MLE Self-BLEU-4 | MLE NLL_gen test | GAN BLEU-4 | GAN Self-BLEU-4 | GAN NLL_gen test | "
            "GAN − MLE curve |\n|" + "---|" * 8 + "\n" + "\n".join(lines))


def coco_full() -> str:
    d = load_result("results/coco/full.json")
    if d is None:
        return "Not run yet: `scripts/gpu/full.sh` on a GPU."
    rows = []
    for v in d["variants"].values():
        s = v["seeds"]
        ours = " | ".join(_mean_sd([x[f"bleu{n}"] for x in s.values()]) for n in range(2, 6))
        rel = " | ".join(_mean_sd([d2 for x in s.values() for d2 in x["relgan100"][str(n)]["draws"]])
                         if all("relgan100" in x for x in s.values()) else "-" for n in range(2, 6))
        rows.append(f"| {v['label']} | {len(s)} | {ours} | {rel} | {_mean_sd([x['self_bleu4'] for x in s.values()])} | "
                    f"{_mean_sd([x['nll_test'] for x in s.values()])} | {_device_walls(s)} |")
    rows.append("| published: RelGAN(100), Table 2 (100 hypotheses) | - | - | - | - | - | "
                + " | ".join(f".{str(v)[2:]}" for v in RELGAN100.values()) + " | - | - | - |")
    gan = d["variants"].get("gan")
    if gan and all("relgan100" in x for x in gan["seeds"].values()):
        got = {n: statistics.fmean(x["relgan100"][n]["mean"] for x in gan["seeds"].values()) for n in RELGAN100}
        verdict = ("**reached**" if all(got[n] >= RELGAN100[n] for n in got) else "**missed**") + " (" + \
            ", ".join(f"BLEU-{n} {got[n]:.3f} vs {RELGAN100[n]}" for n in got) + ")"
    else:
        verdict = "not measured yet: no GAN seed finished"
    return ("| MS COCO, RelGAN(100)'s recipe | seeds | BLEU-2 | BLEU-3 | BLEU-4 | BLEU-5 | BLEU-2 (100) | BLEU-3 (100) | "
            "BLEU-4 (100) | BLEU-5 (100) | Self-BLEU-4 | NLL_gen test | device, wall per seed |\n|" + "---|" * 13 + "\n" + "\n".join(rows)
            + _left_note(unfinished("coco", "full", d))
            + f"\n\nTarget (issue 14): the GAN's BLEU-2..5 under RelGAN's protocol ≥ RelGAN(100)'s: {verdict}.\n\n"
            + _coco_sweep(d) + "\n\n"
            "BLEU-n: 10,000 samples at T = 1 against all 10,000 test captions (exact NLTK sentence BLEU, smoothing 1); "
            "(100): RelGAN's protocol, 100 of those samples against all test captions, mean ± sd over 10 seeded draws "
            f"(pooled over seeds); Self-BLEU leave-one-out. `{d['config']}`; torch {d['torch']}; {d['date']}.")


def headline_rows(bench: str, keys: tuple[str, ...]) -> tuple[list[str], str]:
    """README rows of the full-size result (seed means of `keys` per variant, with size, device and
    seed count in the row) and the footnote on what is still missing."""
    d = load_result(f"results/{bench}/full.json")
    if d is None:
        return [], "the published size has not been run yet (it needs a GPU)"
    rows = []
    for key, v in d["variants"].items():
        s = v["seeds"]
        cells = " | ".join(f"{statistics.fmean(x[k] for x in s.values()):.3f}" for k in keys)
        rows.append(f"| ours, RelGAN's recipe at full size ({_devices(s)}, {len(s)} of 3 seeds): {v['label']} | {cells} |")
    missing = [k for k in ("mle", "gan") if len(d["variants"].get(k, {}).get("seeds", {})) < 3]
    note = ("the full-size rows have " + ", ".join(f"{len(d['variants'].get(k, {}).get('seeds', {}))} of 3 {k.upper()} seeds"
                                                  for k in missing) + " so far (GPU time ran out; they resume in pieces)"
            if missing else "the full-size rows are complete")
    return rows, note


def mle_ablation() -> str:
    """The early-stopped MLE baseline of the full-size oracle recipe at three generator widths:
    where its temperature curve crosses NLL_test = 8.0 against SeqGAN's published MLE."""
    rows = []
    for name, width in (("light", 32), ("mle_h64", 64), ("mle_h128", 128)):
        d = load_result(f"results/oracle/{name}.json")
        if d is None or "mle" not in d["variants"]:
            continue
        for seed, s in sorted(d["variants"]["mle"]["seeds"].items()):
            at8 = _interp(_means(s["sweep_rows"]), 8.0)
            rows.append(f"| {width} | {seed} | {s['nll_oracle']:.3f} / {s['nll_test']:.3f} | {_fmt(at8)} | "
                        f"{'≤' if at8 is not None and at8 <= SEQGAN_MLE else '>'} {SEQGAN_MLE} | {s['wall_s']:.0f} s |")
    if not rows:
        return "Not run yet: `python -m scripts.bench.seeds oracle --size light --variants mle --name mle_h64 --set generator.hidden_dim=64`."
    return ("| generator units | seed | NLL_oracle / NLL_test at T = 1 | NLL_oracle where the curve crosses NLL_test 8.0 | "
            "against SeqGAN's MLE | wall (CPU, 1 thread, beside other jobs) |\n|---|---|---|---|---|---|\n" + "\n".join(rows)
            + "\n\nEach an MLE run of `configs/oracle_bench_light.toml` (the full-size recipe's warm-up: Adam 1e-2, batch 64, "
            "early-stopped on the 10% validation split with patience 6 × 100 steps), swept over T = 0.6-1.0 (0.5-1.2 for 32 "
            "units) on 10,000 samples a point; the crossing is linear between the two temperatures around NLL_test 8.0.")


def _plain_at_one(d: dict, model: str) -> list[dict]:
    """Every seed's plain-sampling point at T = 1 of one model (mle or gan) in a density-ratio result."""
    return [p for s in d["seeds"].values() for p in s["points"]
            if p.get("model", "mle") == model and p["method"] == "mle" and p["temperature"] == 1.0 and "error" not in p]


def cpu_early_stopping(bench: str) -> str:
    """The CPU-size recipe with the fixed-length warm-up (results/<bench>/cpu.json) beside the same recipe
    with the warm-up early-stopped on a validation split (the runs of scripts/bench/ratio.py), at T = 1."""
    fixed, stopped = load_result(f"results/{bench}/cpu.json"), load_result(f"results/ratio/{bench}.json")
    if fixed is None or stopped is None:
        return "(not measured yet: scripts/bench/seeds.py and scripts/bench/ratio.py)"
    keys = (("nll_oracle", "NLL_oracle"), ("nll_test", "NLL_test")) if bench == "oracle" else (
        ("bleu4", "BLEU-4"), ("nll_test", "NLL_gen (test)"))
    rows = []
    for model, label in (("mle", "MLE"), ("gan", "MLE warm-up + GAN")):
        v = fixed["variants"][model]
        rows.append(f"| {label} | fixed length | {len(v['seeds'])} | {fixed['num_samples']:,} | "
                    + " | ".join(f"{v['mean'][k]:.3f} ± {v['std'][k]:.3f}" for k, _ in keys) + " |")
        pts = _plain_at_one(stopped, model)
        if pts:
            rows.append(f"| {label} | early-stopped | {len(pts)} | {pts[0]['n']:,} | "
                        + " | ".join(_mean_sd([p[k] for p in pts]) for k, _ in keys) + " |")
    return (f"| CPU size, T = 1 | warm-up | seeds | samples | {' | '.join(n for _, n in keys)} |\n|---|---|---|---|"
            + "---|" * len(keys) + "\n" + "\n".join(rows)
            + f"\n\nMean ± sd over seeds. Fixed length: `results/{bench}/cpu.json`; early-stopped: the runs of "
            f"`results/ratio/{bench}.json` (the same config with `data.validation_fraction=0.1` and "
            "`train.mle_patience`; the GAN starts from the best warm-up generator).")
