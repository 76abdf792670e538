"""What each seqgan-gumbel command does; parser.py parses the arguments and reports errors."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.storage.paths import output_dir, output_file
from seqgan_gumbel.cli.judging import judge  # noqa: F401  (the judge command; parser.py finds it here)
from seqgan_gumbel.cli.ratio import fit_ratio  # noqa: F401  (the fit-ratio command; parser.py finds it here)


def train(args) -> int:
    from seqgan_gumbel.training import distributed
    from seqgan_gumbel.setup.config import dry_run
    from seqgan_gumbel.setup.config import load_config
    from seqgan_gumbel.training.start import resume, run_folder, train

    dist = distributed.from_env()      # several processes when launched by torchrun
    overrides = list(args.overrides) + ([f"train.device={args.device}"] if args.device else [])
    finished = False
    try:
        if args.resume:
            if args.config or args.dry_run or args.out or args.oracle_params:
                raise UserError("--resume takes the run's own config: drop --config, --out, --dry-run and --oracle-params")
            summary = resume(args.resume, overrides, progress=not args.quiet, dist=dist)
            finished = True
            args.out = str(run_folder(args.resume))
            return _report_train(args, summary)
        if args.oracle_params:
            overrides += ["data.kind=oracle", f"data.oracle_params={args.oracle_params}"]
        cfg = load_config(args.config, overrides)
        if args.fit_ratio and cfg.data.kind != "oracle" and cfg.data.validation_fraction <= 0:
            raise UserError("--fit-ratio fits on a validation split: add --set data.validation_fraction=0.1")
        if args.dry_run:
            cfg = dry_run(cfg)
        if args.out is None:
            if dist.active:
                raise UserError("under torchrun every process must write to the same run: give --out DIR")
            args.out = _fresh_run_dir(cfg)
        summary = train(cfg, args.out, overwrite=args.overwrite, progress=not args.quiet, dist=dist)
        finished = True
        return _report_train(args, summary)
    finally:
        distributed.stop(dist, together=finished)


def _report_train(args, summary: dict) -> int:
    if "wall_s" not in summary:        # a torchrun process other than the first: it writes nothing
        return 0
    _print_train(args, summary)
    if args.fit_ratio:
        from seqgan_gumbel.cli.ratio import fit_and_report
        from seqgan_gumbel.ratio.fit import RatioConfig

        tiny = RatioConfig(steps=4, eval_every=2, batch_size=16, held_out=32, pool=64) if args.dry_run else None
        return fit_and_report(args.out, tiny, not args.quiet)
    return 0


def _print_train(args, summary: dict) -> None:
    line = f"run written to {args.out} in {summary['wall_s']:.1f} s on {summary['device']}"
    if "processes" in summary:
        line += f" x {summary['processes']} processes"
    if "samples" in summary:
        sc = summary["samples"]
        line += f"; {sc['n']} samples: {sc['valid']:.1%} valid, {sc['unique']:.1%} unique"
    print(line)


def _fresh_run_dir(cfg) -> str:
    """runs/<the data's name>-<local time>, with a suffix if that name is taken."""
    import time

    from seqgan_gumbel.kinds import KINDS

    name = KINDS.get(cfg.data.kind).run_name(cfg.data)
    base = Path("runs") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return str(out)


def sample(args) -> int:
    from seqgan_gumbel.metrics.text import read_text_lines
    from seqgan_gumbel.models.decoding import Decoder
    from seqgan_gumbel.setup.prompts import sample_lines
    from seqgan_gumbel.setup.runs import load_run
    from seqgan_gumbel.storage.checkpoint import atomic_write_bytes

    if args.old_tau is not None:
        from seqgan_gumbel.config.schema import stderr_notice

        stderr_notice("sample --tau is now --temperature (the sampling temperature; tau names the "
                      "Gumbel-softmax relaxation temperature of training); read as --temperature here")
        args.temperature = args.old_tau
    if args.out:
        output_file(args.out, "--out")
    decoder = Decoder(args.temperature, args.top_k, args.top_p)
    prompts = (args.prompt or []) + (read_text_lines(args.prompts, "prompts file", keep_empty=False)
                                     if args.prompts else [])
    run = load_run(args.run, args.device)
    method = "guide" if args.guide else args.filter
    if method is None:
        if args.strength is not None or args.candidates is not None:
            raise UserError("--strength and --candidates go with --guide or --filter sir|rejection")
        lines = sample_lines(run, args.num, decoder, seed=args.seed, prompts=prompts, progress=True)
    else:
        from seqgan_gumbel.cli.ratio import ratio_samples

        if prompts:
            raise UserError("--prompt and --prompts continue text by plain sampling (with --temperature, --top-k, "
                            "--top-p); not with --guide or --filter")
        lines = [run.vocab.text(s) for s in ratio_samples(args, run, method)]
    text = "".join(line + "\n" for line in lines)
    if args.out:
        atomic_write_bytes(Path(args.out), lambda f: f.write(text.encode("utf-8")))
    else:
        sys.stdout.write(text)
    return 0


def _parse_orders(text: str) -> list[int]:
    try:
        orders = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise UserError(f"--bleu {text!r}: give orders as integers, e.g. 2,3,4,5") from None
    if not orders or orders[0] < 1 or orders[-1] > 9:
        raise UserError(f"--bleu {text!r}: orders must be between 1 and 9")
    return orders


def evaluate(args) -> int:
    from seqgan_gumbel.cli.judging import judge_figures, judge_table
    from seqgan_gumbel.kinds import EvalOptions

    run = None
    if args.run:
        from seqgan_gumbel.setup.runs import load_run

        run = load_run(args.run)
    kind = _evaluation_kind(args, run)
    if args.samples:
        from seqgan_gumbel.metrics.text import read_text_lines

        name, samples = args.samples, read_text_lines(args.samples, "samples file", keep_empty=True)
    elif run is not None:
        from seqgan_gumbel.models.decoding import Decoder
        from seqgan_gumbel.setup.prompts import sample_lines

        decoder = Decoder(args.temperature, args.top_k, args.top_p)
        name = f"{args.num} drawn from {args.run} at {decoder.label()}"
        samples = sample_lines(run, args.num, decoder, seed=args.seed, progress=True)
    else:
        raise UserError("evaluate needs --samples FILE, or --run DIR to draw samples from")
    opts = EvalOptions(orders=tuple(_parse_orders(args.bleu or "2,3,4,5")), self_bleu=args.self_bleu,
                       smoothing=args.smoothing == "method1", corpus_level=args.corpus_bleu,
                       reference=args.reference, seed=args.seed, temperature=_decoder_or_temperature(args),
                       samples_name=name)
    result = {"samples_file": name, **kind.full_figures(samples, run.generator if run else None, opts)}
    judged = judge_figures(args, run, samples)
    if args.json:
        print(json.dumps(result | judged, indent=2))
    else:
        print(kind.table(result) + (f"\n{judge_table(judged)}" if judged else ""))
    return 0


def _decoder_or_temperature(args):
    """What the held-out NLL is taken under: the temperature, or a truncating decoder (scoring text
    files alone, with neither flag, imports no torch)."""
    if not args.top_k and args.top_p >= 1:
        return args.temperature
    from seqgan_gumbel.models.decoding import Decoder

    decoder = Decoder(args.temperature, args.top_k, args.top_p)
    return decoder if decoder.truncates else args.temperature


def _evaluation_kind(args, run):
    """What scores the samples: the run's own data kind, or the one the flags name (text when
    --references, --bleu or --self-bleu is given), built once with the flags' files in place of
    the run's (the kind's evaluation_files)."""
    from seqgan_gumbel.kinds import KINDS

    run_kind = run.config.data.kind if run is not None else None
    if args.references or args.bleu or args.self_bleu or run_kind == "corpus":
        name = "corpus"
    elif args.oracle or run_kind == "oracle":
        name = "oracle"
    elif args.grammar or run_kind == "grammar":
        name = "grammar"
    elif run is not None:
        name = run_kind
    else:
        raise UserError("evaluate needs something to score against: --references FILE (text), --grammar NAME, "
                        "--oracle FILE.npz, or a --run DIR")
    cls = KINDS.get(name)
    files = {f: getattr(args, f) for f in cls.evaluation_files if getattr(args, f, None)}
    return cls.from_run(run, **files) if run_kind == name else cls.from_files(**files)


def sweep(args) -> int:
    from seqgan_gumbel.cli.judging import judge_for
    from seqgan_gumbel.evaluation.sweep import sweep

    try:
        temps = [float(t) for t in args.temperatures.split(",") if t.strip()]
    except ValueError:
        raise UserError(f"--temperatures {args.temperatures!r}: give numbers, e.g. 0.7,1.0,1.3") from None
    if not temps or not all(0 < t <= 1e4 for t in temps):      # also refuses nan and inf
        raise UserError(f"--temperatures {args.temperatures!r}: give positive finite numbers, e.g. 0.7,1.0,1.3")
    if args.num < 2 or not 1 <= args.order <= 9:
        raise UserError("--num must be at least 2 and --order between 1 and 9")
    strengths = None
    if args.strengths:
        from seqgan_gumbel.ratio.samplers import check_options

        try:
            strengths = [float(g) for g in args.strengths.split(",") if g.strip()]
        except ValueError:
            raise UserError(f"--strengths {args.strengths!r}: give numbers, e.g. 0,0.5,1,2") from None
        for g in strengths or [float("nan")]:
            check_options(g, args.candidates)
    out = output_dir(args.out if args.out else Path(args.run[0]) / "sweep", "--out")
    judge = judge_for(args, None)
    rows = sweep(args.run, temps, args.num, args.seed, args.order, out, args.label, strengths, args.method,
                 args.candidates, top_ks=args.top_k, top_ps=args.top_p, judge=judge, find=not args.no_judge,
                 judges=args.judges)
    for r in rows:
        figs = ", ".join(f"{k} {v:.4g}" for k, v in r.items()
                         if isinstance(v, float) and k not in ("temperature", "strength", "top_p"))
        print(f"{r['label']:>20}  T={r['temperature']:<5g} {figs}")
    print(f"sweep written to {out}/sweep.json, sweep.csv, sweep.png")
    return 0


def data(args) -> int:
    from seqgan_gumbel.data.download import download

    for r in download(args.name, args.dest, base_url=args.base_url, progress=not args.quiet):
        check = "SHA-256 verified" if r["verified_sha256"] else f"no checksum recorded; SHA-256 {r['sha256']}"
        print(f"{r['file']}: {r['lines']} lines, {check}")
    return 0


def report(args) -> int:
    from seqgan_gumbel.metrics.plots import run_report

    if (Path(args.run) / "metrics.jsonl").is_file():
        output_file(Path(args.run) / "report.png", "report")
    print(f"report written to {run_report(args.run)}")
    return 0


def toy(args) -> int:
    import torch

    from seqgan_gumbel.metrics.plots import check_picture_path, toy_heatmap
    from seqgan_gumbel.training.toy import ToyConfig, total_variation, train_toy

    out = Path(args.out)
    out = output_file(out if out.suffix or out.is_dir() else out.with_name(out.name + ".png"), "--out")
    check_picture_path(out, "--out")
    cfg = ToyConfig(epochs=args.epochs, tau=args.tau, hard=args.hard, seed=args.seed)
    target = torch.tensor(cfg.target)

    def show(epoch, probs):
        print(f"epoch {epoch + 1:3d}  p = [{', '.join(f'{x:.3f}' for x in probs.tolist())}]  "
              f"TV = {total_variation(probs, target):.3f}")

    history = train_toy(cfg, on_epoch=show)
    toy_heatmap(history, target, out)
    print(f"heatmap written to {out}")
    return 0
