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
    t.add_argument("--resume", metavar="DIR",
                   help="continue a stopped run from its newest checkpoint (or a checkpoint file); the config "
                        "comes from the checkpoint, --set may change it (anything but step counts and logging "
                        "makes the continuation differ from an uninterrupted run)")
    t.add_argument("--device", metavar="DEVICE",
                   help="auto (default: the GPU when there is one), cpu, cuda or cuda:N; the same as "
                        "--set train.device=DEVICE")
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

    e = sub.add_parser("evaluate", help="score samples: grammar, oracle or text metrics",
                       description="Score samples (a file, one per line, an empty line being an empty sample; "
                                   "or drawn from --run). Grammar: validity, uniqueness, novelty, mean length and "
                                   "the grammar's exact NLL of the valid samples, beside strings drawn from the "
                                   "grammar itself. Oracle: NLL_oracle, the oracle's mean per-token NLL of token-id "
                                   "sequences. Text: BLEU-n of every sample against all references and Self-BLEU-n "
                                   "(each sample against all the others), exactly as NLTK's sentence_bleu, and for "
                                   "a corpus --run the generator's NLL of the held-out and training text.")
    e.add_argument("--samples", metavar="FILE", help="samples to score (default with --run: draw --num of them)")
    e.add_argument("--run", metavar="DIR", help="a run: its data decides the figures, and it supplies the grammar, "
                                               "oracle, training set and references")
    e.add_argument("--grammar", metavar="NAME", help="arith, kusner or a .cfg file (default: the --run's)")
    e.add_argument("--train", metavar="FILE", help="training sequences, for novelty (default: the --run's train.txt)")
    e.add_argument("--reference", metavar="N", type=int, default=None,
                   help="grammar: also score N strings drawn from the grammar (default: as many as the samples; 0 = skip)")
    e.add_argument("--oracle", metavar="FILE.npz",
                   help="oracle weights; the samples are token ids (default for an oracle --run: its oracle.npz)")
    e.add_argument("--references", metavar="FILE", help="text: reference sentences (default for a corpus --run: its test.txt)")
    e.add_argument("--bleu", metavar="ORDERS", default=None,
                   help="text: BLEU orders, e.g. 2,3,4,5 (1..9; default 2,3,4,5 when references are given)")
    e.add_argument("--self-bleu", action="store_true", help="text: also Self-BLEU of the samples (leave-one-out)")
    e.add_argument("--smoothing", choices=("method1", "none"), default="method1",
                   help="text: NLTK smoothing method 1 (epsilon 0.1, the GAN papers') or none (default method1)")
    e.add_argument("--corpus-bleu", action="store_true",
                   help="text: NLTK corpus_bleu (counts summed over samples) instead of the mean of sentence BLEU")
    e.add_argument("--num", metavar="N", type=int, default=2000, help="samples drawn from --run when no --samples (default 2000)")
    e.add_argument("--temperature", metavar="T", type=float, default=1.0, help="sampling temperature for drawn samples (default 1)")
    e.add_argument("--seed", type=int, default=0, help="seed for drawn samples and reference strings (default 0)")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    w = sub.add_parser("sweep", help="quality against diversity over sampling temperatures",
                       description="Sample each run at several temperatures and record quality against diversity "
                                   "(Caccia et al. 2020): validity vs grammar NLL for grammars, NLL_oracle vs "
                                   "NLL_test for the oracle, BLEU-n vs Self-BLEU-n for corpora. Writes sweep.json, "
                                   "sweep.csv and sweep.png; several runs (say MLE and GAN) share one plot.")
    w.add_argument("--run", metavar="DIR", action="append", required=True, help="a run directory; repeatable")
    w.add_argument("--label", metavar="NAME", action="append", help="a legend label per --run (default: directory names)")
    w.add_argument("--temperatures", metavar="T,T,...", default="0.5,0.7,0.85,1.0,1.2,1.5",
                   help="sampling temperatures (default 0.5,0.7,0.85,1.0,1.2,1.5)")
    w.add_argument("--num", metavar="N", type=int, default=1000, help="samples per temperature (default 1000)")
    w.add_argument("--order", metavar="N", type=int, default=4, help="corpora: BLEU / Self-BLEU order (default 4)")
    w.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    w.add_argument("--out", metavar="DIR", help="output directory (default: FIRST_RUN/sweep)")

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

    rp = sub.add_parser("report", help="draw a run's report.png",
                        description="Draw DIR/report.png from a run's metrics.jsonl and samples.txt: losses, the "
                                    "temperature, the data's metrics over steps and a few samples.")
    rp.add_argument("run", metavar="DIR", help="run directory")

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
    from . import distributed
    from .config import dry_run, load_config
    from .trainer import resume, train

    dist = distributed.from_env()      # several processes when launched by torchrun
    overrides = list(args.overrides) + ([f"train.device={args.device}"] if args.device else [])
    finished = False
    try:
        if args.resume:
            if args.config or args.dry_run or args.out or args.oracle_params:
                raise UserError("--resume takes the run's own config: drop --config, --out, --dry-run and --oracle-params")
            summary = resume(args.resume, overrides, progress=not args.quiet, dist=dist)
            finished = True
            args.out = args.resume
            return _report_train(args, summary)
        if args.oracle_params:
            overrides += ["data.kind=oracle", f"data.oracle_params={args.oracle_params}"]
        cfg = load_config(args.config, overrides)
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
    line = f"run written to {args.out} in {summary['wall_s']:.1f} s on {summary['device']}"
    if "processes" in summary:
        line += f" x {summary['processes']} processes"
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
    samples = draw_samples(run.generator, run.vocab, args.num, temperature=args.temperature, seed=args.seed,
                           progress=True)
    text = "".join(run.vocab.text(s) + "\n" for s in samples)
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


def _cmd_evaluate(args) -> int:
    from . import evaluation as ev

    kind, run_dir, cfg = None, Path(args.run) if args.run else None, None
    if run_dir is not None:
        from .checkpoint import load_checkpoint
        from .config import from_dict

        cfg = from_dict(load_checkpoint(run_dir)["config"], "checkpoint config")
        kind = cfg.data.kind
    text_mode = bool(args.references or args.bleu or args.self_bleu) or kind == "corpus"
    oracle_file = args.oracle or (str(run_dir / "oracle.npz") if kind == "oracle" else None)
    if not (text_mode or oracle_file or args.grammar or kind == "grammar"):
        raise UserError("evaluate needs something to score against: --references FILE (text), --grammar NAME, "
                        "--oracle FILE.npz, or a --run DIR")
    if args.num < 1 or not args.temperature > 0:
        raise UserError("--num must be at least 1 and --temperature positive")

    run = None

    def loaded_run():
        nonlocal run
        if run is None:
            from .run import load_run

            run = load_run(run_dir)
        return run

    if args.samples:
        samples_file = args.samples
        samples = ev.read_text_lines(args.samples, "samples file", keep_empty=True)
    elif run_dir is not None:
        from .run import draw_samples

        r = loaded_run()
        samples_file = f"{args.num} drawn from {run_dir} at temperature {args.temperature}"
        samples = [r.vocab.text(s) for s in
                   draw_samples(r.generator, r.vocab, args.num, temperature=args.temperature, seed=args.seed,
                                progress=True)]
    else:
        raise UserError("evaluate needs --samples FILE, or --run DIR to draw samples from")
    result: dict = {"samples_file": samples_file}

    if text_mode:
        ref_file = args.references or (str(run_dir / "test.txt") if kind == "corpus" else None)
        orders = _parse_orders(args.bleu or "2,3,4,5")
        refs = ev.read_text_lines(ref_file, "reference file", keep_empty=False) if ref_file else None
        result.update(references=ref_file, **ev.text_scores(samples, refs, orders=orders, self_bleu=args.self_bleu,
                                                           smoothing=args.smoothing == "method1",
                                                           corpus_level=args.corpus_bleu))
        if kind == "corpus":
            test = ev.read_text_lines(run_dir / "test.txt", "test file", keep_empty=False)
            train = ev.read_text_lines(run_dir / "train.txt", "training file", keep_empty=False)
            result.update(ev.likelihoods(loaded_run(), test, train))
        print(json.dumps(result, indent=2) if args.json else ev.text_table(result))
        return 0

    if oracle_file:
        from .oracle import load_oracle, nll_of_sequences, parse_id_sequences

        oracle = load_oracle(oracle_file)
        result.update(oracle=oracle_file, **nll_of_sequences(oracle, parse_id_sequences(samples, oracle.vocab_size,
                                                                                          samples_file)))
        if kind == "oracle" and (run_dir / "test.txt").is_file():
            from .run import generator_nll

            result["nll_test"] = generator_nll(loaded_run().generator, ev.oracle_test_ids(run_dir, oracle),
                                               loaded_run().vocab.pad, temperature=args.temperature)
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print(f"NLL_oracle {result['nll_oracle']:.4f} nats/token over {result['n_sequences']} "
                  f"sequences ({result['n_tokens']} tokens)"
                  + (f"; NLL_test {result['nll_test']:.4f}" if "nll_test" in result else ""))
        return 0

    from .corpus import read_sequences
    from .grammar import load_grammar
    from .grammar_metrics import grammar_scores

    grammar = load_grammar(args.grammar or cfg.data.grammar)
    train_file = args.train or (str(run_dir / "train.txt") if run_dir is not None else None)
    train = read_sequences(train_file, what="training file", hint="check --train") if train_file else None
    seqs = [tuple(s.split()) for s in samples]
    result.update(grammar=grammar.name, max_len=grammar.max_len, samples=grammar_scores(seqs, grammar, train))
    n_ref = len(seqs) if args.reference is None else args.reference
    if n_ref < 0:
        raise UserError(f"--reference must be 0 or positive, got {n_ref}")
    if n_ref:
        result["grammar_reference"] = grammar_scores(grammar.samples(n_ref, args.seed), grammar, train)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(ev.grammar_table(result, n_ref))
    return 0


def _cmd_sweep(args) -> int:
    from .sweep import sweep

    try:
        temps = [float(t) for t in args.temperatures.split(",") if t.strip()]
    except ValueError:
        raise UserError(f"--temperatures {args.temperatures!r}: give numbers, e.g. 0.7,1.0,1.3") from None
    if not temps or min(temps) <= 0:
        raise UserError("--temperatures must be positive numbers")
    if args.num < 2 or not 1 <= args.order <= 9:
        raise UserError("--num must be at least 2 and --order between 1 and 9")
    out = Path(args.out) if args.out else Path(args.run[0]) / "sweep"
    rows = sweep(args.run, temps, args.num, args.seed, args.order, out, args.label)
    for r in rows:
        figs = ", ".join(f"{k} {v:.4g}" for k, v in r.items() if isinstance(v, float) and k != "temperature")
        print(f"{r['label']:>20}  T={r['temperature']:<5g} {figs}")
    print(f"sweep written to {out}/sweep.json, sweep.csv, sweep.png")
    return 0


def _cmd_data(args) -> int:
    from .download import download

    for r in download(args.name, args.dest, base_url=args.base_url, progress=not args.quiet):
        check = "SHA-256 verified" if r["verified_sha256"] else f"no checksum recorded; SHA-256 {r['sha256']}"
        print(f"{r['file']}: {r['lines']} lines, {check}")
    return 0


def _cmd_report(args) -> int:
    from .plots import run_report

    print(f"report written to {run_report(args.run)}")
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
               "data": _cmd_data, "sweep": _cmd_sweep, "report": _cmd_report}
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
        from .trainer import Interrupted, NonFiniteLoss

        if isinstance(e, Interrupted):
            print(f"seqgan-gumbel {args.command}: {e}", file=sys.stderr)
            return 128 + e.signum
        if not isinstance(e, NonFiniteLoss):
            raise
        print(f"seqgan-gumbel {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
