"""The commands of density-ratio sampling: fit-ratio, and what sample --guide / --filter add."""
from __future__ import annotations

import sys


def ratio_samples(args, run, method: str):
    """Samples guided or filtered by the run's ratio model; its statistics go to standard error."""
    from seqgan_gumbel.ratio.model import run_sampler

    sampler, state = run_sampler(run, method, temperature=args.temperature,
                                 strength=1.0 if args.strength is None else args.strength,
                                 candidates=8 if args.candidates is None else args.candidates, path=args.ratio,
                                 top_k=args.top_k, top_p=args.top_p)
    if abs(state["temperature"] - args.temperature) > 1e-9:
        from seqgan_gumbel.config.schema import stderr_notice

        stderr_notice(f"the ratio model was fitted at temperature {state['temperature']:g}; at temperature "
                      f"{args.temperature:g} it corrects a distribution it was not fitted against")
    ids, stats = sampler.draw(args.num, seed=args.seed)
    if stats:
        print(", ".join(f"{k} {v:.4g}" for k, v in stats.items()), file=sys.stderr)
    return [run.vocab.decode(r) for r in ids.tolist()]


def fit_ratio(args) -> int:
    from seqgan_gumbel.ratio.fit import RatioConfig

    cfg = RatioConfig(temperature=args.temperature, init=args.init, objective=args.objective, freeze=args.freeze,
                      steps=args.steps, lr=args.lr, batch_size=args.batch_size, dropout=args.dropout,
                      weight_decay=args.weight_decay, held_out=args.held_out, seed=args.seed)
    return fit_and_report(args.run, cfg, not args.quiet)


def fit_and_report(run_dir, cfg, progress: bool) -> int:
    """Fit the run's ratio model (ratio.fit.fit_and_save), save it, and print one line of its report."""
    from seqgan_gumbel.ratio.model import RATIO_FILE
    from seqgan_gumbel.ratio.fit import RatioConfig, fit_and_save
    from seqgan_gumbel.setup.runs import load_run

    cfg = cfg or RatioConfig()
    cfg.check()
    run = load_run(run_dir)
    report = fit_and_save(run, cfg, progress)
    cal = report["calibrated"]
    print(f"ratio model written to {run.directory / RATIO_FILE} in {report['seconds']:.0f} s: best step "
          f"{report['best_step']}, held-out loss {cal['loss']:.4f} (0.6931 = no better than chance), accuracy "
          f"{cal['accuracy']:.1%}, real sequences called generated {cal['real_called_fake']:.1%}")
    return 0
