"""The judges on the command line: `judge fit`, and the --judge / --judges options of evaluate and sweep."""
from __future__ import annotations

import argparse

from seqgan_gumbel.cli.options import count, seed
from seqgan_gumbel.errors import UserError


def add_judge_parser(sub) -> None:
    j = sub.add_parser("judge", help="fit the judge LM that evaluate and sweep score text with",
                       description="Judges trained here, nothing downloaded: the judge LM (LM score), a fresh LM "
                                   "fitted on the samples (reverse-LM score) and MAUVE / Fréchet distance of the "
                                   "judge LM's features.")
    jsub = j.add_subparsers(dest="judge_command", required=True, parser_class=type(j))
    f = jsub.add_parser("fit", help="fit a judge LM on real training text",
                        description="Fit the judge LM on real training text (whitespace tokens), early-stopped on "
                                    "held-out real text, and keep it in the cache (SEQGAN_GUMBEL_CACHE, default "
                                    "~/.cache/seqgan_gumbel/judges) under a digest of its text and settings, or in "
                                    "--out. evaluate and sweep find a judge fitted with --run DIR (or on the same "
                                    "text) by themselves. A judge already fitted is loaded, not fitted again.")
    src = f.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="FILE", help="real training text, one sequence per line")
    src.add_argument("--run", metavar="DIR", help="a run: fit on its train.txt (the judge evaluate and sweep then find)")
    f.add_argument("--validation", metavar="FILE", help="held-out real text that stops the fit "
                                                        "(default: 5%% of the training text, held out)")
    f.add_argument("--out", metavar="DIR", help="the judge's folder (default: in the cache)")
    f.add_argument("--hidden", metavar="H", type=count, default=512, help="LSTM units (default 512)")
    f.add_argument("--layers", metavar="L", type=count, default=2, help="LSTM layers (default 2)")
    f.add_argument("--emb", metavar="E", type=count, default=256, help="embedding size (default 256)")
    f.add_argument("--epochs", metavar="N", type=count, default=30, help="at most this many epochs (default 30)")
    f.add_argument("--reverse-epochs", metavar="N", type=count, default=15,
                   help="at most this many epochs of each reverse-LM fit (default 15)")
    f.add_argument("--seed", metavar="S", type=seed, default=0, help="random seed (default 0)")
    f.add_argument("--quiet", action="store_true", help="no progress")


def judge_list(text: str) -> tuple[str, ...]:
    from seqgan_gumbel.evaluation.judge import JUDGES

    names = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    bad = [n for n in names if n not in JUDGES]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"{text!r}: choose among {', '.join(JUDGES)}, comma-separated")
    return names


def add_judging(p: argparse.ArgumentParser) -> None:
    p.add_argument("--judge", metavar="DIR", help="judge the samples with this judge (judge fit's folder); "
                                                  "default: the judge cached for the run's train.txt, if any")
    p.add_argument("--judges", metavar="LIST", type=judge_list, default=("lm", "mauve"),
                   help="which judges: lm (LM score), reverse (reverse-LM score: fits an LM on the samples, "
                        "about a minute at 10,000; a coarse figure that misses the oracle check between "
                        "neighbouring temperatures, docs/evaluation.md), mauve (MAUVE and Fréchet distance) "
                        "(default lm,mauve)")
    p.add_argument("--no-judge", action="store_true", help="no judge, even when one is cached")


def judge(args) -> int:
    from dataclasses import replace

    from seqgan_gumbel.evaluation.judge import JudgeConfig, fit_judge, run_lines
    from seqgan_gumbel.metrics.text import read_text_lines

    if args.run:
        train = run_lines(args.run, "train")
        if train is None:
            raise UserError(f"--run {args.run}: no train.txt there; give the run directory of a finished run")
    else:
        train = read_text_lines(args.data, "training text", keep_empty=False)
    validation = read_text_lines(args.validation, "validation text", keep_empty=False) if args.validation else None
    base = JudgeConfig()
    config = replace(base, lm=replace(base.lm, hidden_dim=args.hidden, layers=args.layers, emb_dim=args.emb,
                                      max_epochs=args.epochs, seed=args.seed),
                     reverse=replace(base.reverse, max_epochs=args.reverse_epochs, seed=args.seed))
    j = fit_judge(train, validation, config, out=args.out, progress=not args.quiet)
    print(f"judge {j.digest[:16]} in {j.directory}: {j.info['train_lines']:,} training lines, validation NLL "
          f"{j.info['validation_nll']:.4f} nats/token at epoch {j.info['best_epoch']} of {j.info['epochs']}")
    return 0


def judge_for(args, run):
    """The judge evaluate or sweep uses: --judge DIR, else the one cached for the run's training text.
    Without either nothing is imported (scoring text files alone stays free of torch)."""
    if args.no_judge:
        if args.judge:
            raise UserError("--judge and --no-judge contradict each other; give one")
        return None
    if not args.judge and run is None:
        return None
    from seqgan_gumbel.evaluation.judge import Judge, run_judge

    return Judge.load(args.judge) if args.judge else run_judge(run.directory)


def judge_figures(args, run, samples: list[str]) -> dict:
    """The judges' figures: against --references, else the run's test.txt; {} without a judge."""
    judge = judge_for(args, run)
    if judge is None:
        return {}
    from seqgan_gumbel.evaluation.judge import run_lines
    from seqgan_gumbel.metrics.text import read_text_lines

    test = (read_text_lines(args.references, "reference file", keep_empty=False) if args.references
            else run_lines(run.directory, "test") if run is not None else None)
    return judge.figures(samples, test, args.judges, args.seed)


def judge_table(figures: dict) -> str:
    names = {"lm_score": "LM score", "reverse_lm": "reverse-LM score", "mauve": "MAUVE", "frechet": "Fréchet distance"}
    shown = ", ".join(f"{label} {figures[k]:.4f}" for k, label in names.items() if k in figures)
    return f"judge {figures['judge']}: {shown}"
