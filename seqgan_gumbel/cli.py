"""The seqgan-gumbel command line: train, sample, evaluate, toy."""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from .errors import UserError

TRAIN_EPILOG = """\
configuration keys (--set section.key=value, or the same keys in a TOML file's [section]):
{keys}

feedback: what the generator's next step reads (soft: relaxed sample x embedding;
hard: embedding of the sampled token; straight-through: one-hot forward, soft gradient).
generator.straight_through: the discriminator sees exact one-hots carrying the soft gradient
(false: it sees the relaxed sample softmax((logits + g) / tau)).
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and exits with status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    from .config import describe_keys

    p = _Parser(prog="seqgan-gumbel", description="GANs for discrete sequences through the Gumbel-softmax.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a run (default: the built-in 'arith' grammar)",
                       description="Train a Gumbel-softmax sequence GAN: maximum-likelihood warm-up, then "
                                   "adversarial steps. Writes config.toml, vocab.json, train.txt, "
                                   "metrics.jsonl, checkpoint.pt, samples.txt and summary.json to --out.",
                       epilog=TRAIN_EPILOG.format(keys=describe_keys()),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--config", metavar="FILE.toml", help="TOML file of config sections (see the keys below)")
    t.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides",
                   help="override one config key, e.g. --set train.adv_steps=200; repeatable")
    t.add_argument("--oracle-params", metavar="FILE.npz",
                   help="train on the SeqGAN oracle with these published weights (sets data.kind=oracle "
                        "and data.oracle_params); without it data.kind=oracle uses a seeded random oracle")
    t.add_argument("--out", metavar="DIR",
                   help="run directory (default: a new runs/<data>-<date>-<time>, printed at the end)")
    t.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    t.add_argument("--dry-run", action="store_true",
                   help="a handful of steps of every phase at a tiny size, the whole run directory written")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    s = sub.add_parser("sample", help="draw samples from a trained run",
                       description="Draw sequences from a run's generator, one per line, tokens separated by spaces.")
    s.add_argument("--run", metavar="DIR", required=True, help="run directory written by train")
    s.add_argument("--num", metavar="N", type=int, default=1000, help="number of samples (default 1000)")
    s.add_argument("--tau", "--temperature", metavar="T", type=float, default=1.0, dest="temperature",
                   help="sampling temperature: logits are divided by T before sampling (1 = the model's own "
                        "distribution, < 1 sharper, > 1 flatter). The Gumbel-softmax relaxation tau does not "
                        "change which token is drawn, so this is the only temperature sampling has.")
    s.add_argument("--seed", metavar="S", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--out", metavar="FILE", help="write here (atomically) instead of standard output")
    s.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N or auto")

    e = sub.add_parser("evaluate", help="score samples against a grammar or the synthetic oracle",
                       description="Score a file of samples (one per line; an empty line is an empty sample). "
                                   "With a grammar: validity, uniqueness, novelty, mean length and the "
                                   "grammar's exact NLL of the valid samples, beside the same figures for "
                                   "strings drawn from the grammar itself. With --oracle: NLL_oracle, the "
                                   "oracle's mean per-token NLL of token-id sequences.")
    e.add_argument("--samples", metavar="FILE", required=True, help="samples to score")
    e.add_argument("--grammar", metavar="NAME", help="arith, kusner or a .cfg file (default: the --run's)")
    e.add_argument("--oracle", metavar="FILE.npz",
                   help="oracle weights; the samples are token ids (default for an oracle --run: its oracle.npz)")
    e.add_argument("--train", metavar="FILE", help="training sequences, for novelty (default: the --run's train.txt)")
    e.add_argument("--run", metavar="DIR", help="take the grammar and the training set from this run")
    e.add_argument("--reference", metavar="N", type=int, default=None,
                   help="also score N strings drawn from the grammar (default: as many as the samples; 0 = skip)")
    e.add_argument("--seed", type=int, default=0, help="seed for the reference strings (default 0)")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    dl = sub.add_parser("data", help="fetch the standard corpora",
                        description="Fetch the standard text-GAN splits, verify them and write them atomically.")
    dsub = dl.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    get = dsub.add_parser("download", help="download coco or emnlp into --dest",
                          description="Download a corpus split (train.txt and test.txt) into --dest, with a "
                                      "progress bar. Each file is checked (line count, and SHA-256 where one is "
                                      "recorded) before it is renamed into place; a failed check leaves nothing.")
    get.add_argument("name", choices=("coco", "emnlp"), help="coco: MS COCO captions (Texygen split); "
                                                            "emnlp: EMNLP 2017 WMT News (RelGAN's copy)")
    get.add_argument("--dest", metavar="DIR", required=True, help="directory to write train.txt and test.txt to")
    get.add_argument("--base-url", metavar="URL", help="fetch the same file names from this mirror instead")
    get.add_argument("--quiet", action="store_true", help="no progress bar")

    y = sub.add_parser("toy", help="learn a 5-value categorical distribution (the seed's toy)",
                       description="A logits-only Gumbel-softmax generator against a logistic-regression "
                                   "discriminator learns p = (0, 0, 0.1, 0.3, 0.6). Prints the learned "
                                   "distribution per epoch and saves a heatmap of learned - true.")
    y.add_argument("--out", metavar="FILE.png", default="toy_heatmap.png", help="heatmap PNG (default toy_heatmap.png)")
    y.add_argument("--epochs", type=int, default=40, help="epochs (default 40)")
    y.add_argument("--tau", type=float, default=0.5, help="Gumbel-softmax temperature (default 0.5)")
    y.add_argument("--hard", action="store_true", help="straight-through samples")
    y.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return p


def _cmd_train(args) -> int:
    from .config import dry_run, load_config
    from .trainer import train

    overrides = list(args.overrides)
    if args.oracle_params:
        overrides += ["data.kind=oracle", f"data.oracle_params={args.oracle_params}"]
    cfg = load_config(args.config, overrides)
    if args.dry_run:
        cfg = dry_run(cfg)
    if args.out is None:
        args.out = _fresh_run_dir(cfg)
    summary = train(cfg, args.out, overwrite=args.overwrite, progress=not args.quiet)
    line = f"run written to {args.out} in {summary['wall_s']:.1f} s on {summary['device']}"
    if "samples" in summary:
        sc = summary["samples"]
        line += f"; {sc['n']} samples: {sc['valid']:.1%} valid, {sc['unique']:.1%} unique"
    print(line)
    return 0


def _fresh_run_dir(cfg) -> str:
    """runs/<grammar or data file>-<local time>, with a suffix if that name is taken."""
    import time

    if cfg.data.kind == "oracle":
        name = "oracle"
    else:
        name = Path(cfg.data.path).stem if cfg.data.path else Path(cfg.data.grammar).stem
    base = Path("runs") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return str(out)


def _cmd_sample(args) -> int:
    from .checkpoint import atomic_write_bytes
    from .run import draw_samples, load_run

    if args.num < 1:
        raise UserError(f"--num must be at least 1, got {args.num}")
    if not args.temperature > 0 or math.isinf(args.temperature):
        raise UserError(f"--temperature must be a positive number, got {args.temperature}")
    run = load_run(args.run, args.device)
    samples = draw_samples(run.generator, run.vocab, args.num, temperature=args.temperature, seed=args.seed)
    text = "".join(run.vocab.text(s) + "\n" for s in samples)
    if args.out:
        atomic_write_bytes(Path(args.out), lambda f: f.write(text.encode("utf-8")))
    else:
        sys.stdout.write(text)
    return 0


def _cmd_evaluate(args) -> int:
    from .data import read_sequences
    from .grammar import load_grammar
    from .grammar_metrics import grammar_scores

    grammar_name, train_file, oracle_file = args.grammar, args.train, args.oracle
    if args.run:
        from .config import from_dict
        from .checkpoint import load_checkpoint

        state = load_checkpoint(args.run)
        cfg = from_dict(state["config"], "checkpoint config")
        if cfg.data.kind == "oracle":
            oracle_file = oracle_file or str(Path(args.run) / "oracle.npz")
        elif cfg.data.kind == "grammar":
            grammar_name = grammar_name or cfg.data.grammar
        if train_file is None and (Path(args.run) / "train.txt").is_file():
            train_file = str(Path(args.run) / "train.txt")
    if oracle_file:
        from .oracle import load_oracle, nll_of_sequences, read_id_sequences

        oracle = load_oracle(oracle_file)
        result = {"samples_file": args.samples, "oracle": oracle_file,
                  **nll_of_sequences(oracle, read_id_sequences(args.samples, oracle.vocab_size))}
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print(f"NLL_oracle {result['nll_oracle']:.4f} nats/token over {result['n_sequences']} "
                  f"sequences ({result['n_tokens']} tokens)")
        return 0
    if not grammar_name:
        raise UserError("evaluate needs a grammar (--grammar NAME: arith, kusner), an oracle "
                        "(--oracle FILE.npz) or a --run DIR")
    grammar = load_grammar(grammar_name)
    samples = read_sequences(args.samples, what="samples file", keep_empty=True, hint="check --samples")
    train = read_sequences(train_file, what="training file", hint="check --train") if train_file else None
    result = {"samples_file": args.samples, "grammar": grammar.name, "max_len": grammar.max_len,
              "samples": grammar_scores(samples, grammar, train)}
    n_ref = len(samples) if args.reference is None else args.reference
    if n_ref < 0:
        raise UserError(f"--reference must be 0 or positive, got {n_ref}")
    if n_ref:
        ref = grammar.samples(n_ref, args.seed)
        result["grammar_reference"] = grammar_scores(ref, grammar, train)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    cols = [("samples", result["samples"])]
    if "grammar_reference" in result:
        cols.append((f"grammar ({n_ref} drawn)", result["grammar_reference"]))
    rows = ["n", "valid", "unique", "unique_valid", "novel", "mean_length", "nll_valid", "nll_valid_per_token"]
    print(f"{'':22}" + "".join(f"{name:>22}" for name, _ in cols))
    for r in rows:
        cells = []
        for _, figs in cols:
            v = figs.get(r)
            cells.append(f"{'-' if v is None else (f'{v:.4f}' if isinstance(v, float) else v):>22}")
        print(f"{r:22}" + "".join(cells))
    return 0


def _cmd_data(args) -> int:
    from .download import download

    for r in download(args.name, args.dest, base_url=args.base_url, progress=not args.quiet):
        check = "SHA-256 verified" if r["verified_sha256"] else f"no checksum recorded; SHA-256 {r['sha256']}"
        print(f"{r['file']}: {r['lines']} lines, {check}")
    return 0


def _cmd_toy(args) -> int:
    import torch

    from .plots import toy_heatmap
    from .toy import ToyConfig, total_variation, train_toy

    if args.epochs < 1 or not args.tau > 0:
        raise UserError("--epochs must be at least 1 and --tau positive")
    cfg = ToyConfig(epochs=args.epochs, tau=args.tau, hard=args.hard, seed=args.seed)
    target = torch.tensor(cfg.target)

    def show(epoch, probs):
        print(f"epoch {epoch + 1:3d}  p = [{', '.join(f'{x:.3f}' for x in probs.tolist())}]  "
              f"TV = {total_variation(probs, target):.3f}")

    history = train_toy(cfg, on_epoch=show)
    toy_heatmap(history, target, args.out)
    print(f"heatmap written to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = {"train": _cmd_train, "sample": _cmd_sample, "evaluate": _cmd_evaluate, "toy": _cmd_toy,
               "data": _cmd_data}
    try:
        return handler[args.command](args)
    except UserError as e:
        print(f"seqgan-gumbel {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"seqgan-gumbel {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head and the like: not an error of ours
        sys.stderr.close()
        return 0
    except Exception as e:
        from .trainer import NonFiniteLoss

        if not isinstance(e, NonFiniteLoss):
            raise
        print(f"seqgan-gumbel {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
