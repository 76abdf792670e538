"""The seqgan-gumbel command line: its parser and the one place errors become one line (commands.py does the work)."""
from __future__ import annotations

import argparse
import sys

from seqgan_gumbel.cli.judging import add_judge_parser, add_judging
from seqgan_gumbel.cli.options import add_decoding, count, count0, numbers, positive, seed
from seqgan_gumbel.errors import UserError

TRAIN_EPILOG = """\
configuration keys (--set section.key=value, or the same keys in a TOML file's [section]):
{keys}

Two temperatures, two names: relaxation.tau_* is the Gumbel-softmax relaxation temperature of
adversarial training (it shapes the vectors the critic reads, never which token is drawn);
the sampling temperature is --temperature of sample, evaluate and sweep.
generator.feedback: what the generator's next step reads (soft: relaxed sample x embedding;
hard: embedding of the sampled token; straight-through: one-hot forward, relaxed gradient).
discriminator.input: what the critic reads of a fake sequence (one-hot: exact one-hots
carrying the relaxed sample's gradient; relaxed: softmax((logits + g) / tau)).
Renamed keys (temperature.* -> relaxation.*, generator.straight_through -> discriminator.input)
are still read, with a notice.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and exits with status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="seqgan-gumbel", description="GANs for discrete sequences through the Gumbel-softmax.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_train_parser, _sample_parser, _fit_ratio_parser, _evaluate_parser, _sweep_parser, add_judge_parser, _data_parser,
                _report_parser, _toy_parser):
        add(sub)
    return p

def _train_parser(sub) -> None:
    from seqgan_gumbel.config.schema import describe_keys

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
    t.add_argument("--fit-ratio", action="store_true",
                   help="at the end, fit the run's ratio model as fit-ratio does with its defaults (corpora and "
                        "grammars need data.validation_fraction > 0; with --dry-run, a few steps of it)")

def _sample_parser(sub) -> None:
    s = sub.add_parser("sample", help="draw samples from a trained run",
                       description="Draw sequences from a run's generator, one per line, tokens separated by spaces.")
    s.add_argument("--run", metavar="DIR", required=True, help="run directory written by train")
    s.add_argument("--num", metavar="N", type=count, default=1000, help="number of samples (default 1000)")
    s.add_argument("--temperature", metavar="T", type=positive, default=1.0,
                   help="sampling temperature: logits are divided by T before sampling (1 = the model's own "
                        "distribution, < 1 sharper, > 1 flatter). The Gumbel-softmax relaxation temperature tau "
                        "does not change which token is drawn, so this is the only temperature sampling has.")
    s.add_argument("--tau", metavar="T", type=positive, dest="old_tau", help=argparse.SUPPRESS)  # renamed: notice
    add_decoding(s)
    s.add_argument("--prompt", metavar="TEXT", action="append", help="continue this text (--num samples of it, each "
                   "starting with it verbatim); repeat for several prompts. Tokenized with the run's vocabulary")
    s.add_argument("--prompts", metavar="FILE", help="continue each line of FILE as --prompt does")
    s.add_argument("--seed", metavar="S", type=seed, default=0, help="random seed (default 0)")
    s.add_argument("--out", metavar="FILE", help="write here (atomically) instead of standard output")
    s.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N or auto")
    r = s.add_mutually_exclusive_group()
    r.add_argument("--guide", action="store_true",
                   help="token-level guide: each next-token distribution corrected by the run's ratio model "
                        "(seqgan-gumbel fit-ratio), p_T(v) exp(G d(v)), renormalised")
    r.add_argument("--filter", choices=("sir", "rejection"),
                   help="sequence-level filter by the ratio model: sir keeps one of --candidates draws with "
                        "probability proportional to exp(G r(x)); rejection accepts with exp(G r(x) - M)")
    s.add_argument("--strength", metavar="G", type=float, help="strength G of the guide or filter (default 1: "
                   "the ratio model's estimate of the data; 0 = the generator itself)")
    s.add_argument("--candidates", metavar="K", type=int, help="--filter sir: candidates per sample (default 8)")
    s.add_argument("--ratio", metavar="FILE", help="the ratio model (default: DIR/ratio.pt)")


def _fit_ratio_parser(sub) -> None:
    f = sub.add_parser("fit-ratio", help="fit a density-ratio model to a run's generator",
                       description="Fit a prefix-ratio model (an LSTM whose per-token increments sum to the log "
                                   "density ratio log p_data - log p_G) by logistic classification of real "
                                   "sequences the generator never trained on (fresh oracle draws; the run's "
                                   "validation split for grammars and corpora) against the generator's samples; "
                                   "early-stopped and calibrated on held-out pairs. Writes DIR/ratio.pt and "
                                   "DIR/ratio.json; sample --guide / --filter use it.")
    f.add_argument("--run", metavar="DIR", required=True, help="run directory written by train")
    f.add_argument("--temperature", metavar="T", type=positive, default=1.0,
                   help="the sampling temperature of the generator it is fitted against (default 1)")
    f.add_argument("--steps", metavar="N", type=count, default=2000, help="most training steps (default 2000)")
    f.add_argument("--lr", metavar="LR", type=positive, default=3e-3, help="Adam learning rate (default 3e-3)")
    f.add_argument("--batch-size", metavar="N", type=count, default=128,
                   help="real and as many generated sequences per step (default 128)")
    f.add_argument("--init", choices=("generator", "scratch"), default="generator",
                   help="start from the generator's embedding and LSTM (default) or from random weights")
    f.add_argument("--objective", choices=("sequence", "prefix"), default="sequence",
                   help="logistic loss of whole sequences (default) or of every prefix")
    f.add_argument("--freeze", action="store_true",
                   help="train only the head on the generator's frozen embedding and LSTM (with --init generator)")
    f.add_argument("--dropout", metavar="P", type=float, default=0.0, help="dropout (default 0)")
    f.add_argument("--weight-decay", metavar="W", type=float, default=0.0, help="AdamW weight decay (default 0)")
    f.add_argument("--held-out", metavar="N", type=count, default=2000,
                   help="real sequences kept out for early stopping and calibration (default 2000)")
    f.add_argument("--seed", metavar="S", type=seed, default=0, help="random seed (default 0)")
    f.add_argument("--quiet", action="store_true", help="no progress bar")

def _evaluate_parser(sub) -> None:
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
    e.add_argument("--reference", metavar="N", type=count0, default=None,
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
    e.add_argument("--num", metavar="N", type=count, default=2000, help="samples drawn from --run when no --samples (default 2000)")
    e.add_argument("--temperature", metavar="T", type=positive, default=1.0, help="sampling temperature for drawn samples (default 1)")
    e.add_argument("--seed", type=seed, default=0, help="seed for drawn samples and reference strings (default 0)")
    add_decoding(e)
    add_judging(e)
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

def _sweep_parser(sub) -> None:
    w = sub.add_parser("sweep", help="quality against diversity over sampling temperatures",
                       description="Sample each run at several temperatures and record quality against diversity "
                                   "(Caccia et al. 2020): validity vs grammar NLL for grammars, NLL_oracle vs "
                                   "NLL_test for the oracle, BLEU-n vs Self-BLEU-n for corpora. Writes sweep.json, "
                                   "sweep.csv and sweep.png; several runs (say MLE and GAN) share one plot.")
    w.add_argument("--run", metavar="DIR", action="append", required=True, help="a run directory; repeatable")
    w.add_argument("--label", metavar="NAME", action="append", help="a legend label per --run (default: directory names)")
    w.add_argument("--temperatures", metavar="T,T,...", default="0.5,0.7,0.85,1.0,1.2,1.5",
                   help="sampling temperatures (default 0.5,0.7,0.85,1.0,1.2,1.5)")
    w.add_argument("--num", metavar="N", type=count, default=1000, help="samples per temperature (default 1000)")
    w.add_argument("--order", metavar="N", type=int, default=4, help="corpora: BLEU / Self-BLEU order (default 4)")
    w.add_argument("--seed", type=seed, default=0, help="sampling seed (default 0)")
    w.add_argument("--out", metavar="DIR", help="output directory (default: FIRST_RUN/sweep)")
    w.add_argument("--strengths", metavar="G,G,...",
                   help="also sample with each run's ratio model at these strengths (0 = the plain generator)")
    w.add_argument("--method", choices=("guide", "sir", "rejection"), default="guide",
                   help="with --strengths: the token-level guide (default) or a sequence-level filter")
    w.add_argument("--candidates", metavar="K", type=int, default=8, help="--method sir: candidates (default 8)")
    w.add_argument("--top-k", metavar="K,K,...", type=numbers(int, 1, 10**8), default=(),
                   help="also a curve per top-k value over the temperatures (say 10,40)")
    w.add_argument("--top-p", metavar="P,P,...", type=numbers(float, 0, 1), default=(),
                   help="also a curve per nucleus (top-p) value over the temperatures (say 0.8,0.9,0.95)")
    add_judging(w)

def _data_parser(sub) -> None:
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

def _report_parser(sub) -> None:
    rp = sub.add_parser("report", help="draw a run's report.png",
                        description="Draw DIR/report.png from a run's metrics.jsonl and samples.txt: losses, the "
                                    "temperature, the data's metrics over steps and a few samples.")
    rp.add_argument("run", metavar="DIR", help="run directory")

def _toy_parser(sub) -> None:
    y = sub.add_parser("toy", help="learn a 5-value categorical distribution (the seed's toy)",
                       description="A logits-only Gumbel-softmax generator against a logistic-regression "
                                   "discriminator learns p = (0, 0, 0.1, 0.3, 0.6). Prints the learned "
                                   "distribution per epoch and saves a heatmap of learned - true.")
    y.add_argument("--out", metavar="FILE.png", default="toy_heatmap.png", help="heatmap PNG (default toy_heatmap.png)")
    y.add_argument("--epochs", type=count, default=40, help="epochs (default 40)")
    y.add_argument("--tau", type=positive, default=0.5, help="Gumbel-softmax relaxation temperature tau (default 0.5)")
    y.add_argument("--hard", action="store_true", help="straight-through samples")
    y.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")


def main(argv: list[str] | None = None) -> int:
    from seqgan_gumbel.cli import commands

    args = _parser().parse_args(argv)
    handler = getattr(commands, args.command.replace("-", "_"))
    try:
        return handler(args)
    except UserError as e:
        print(f"seqgan-gumbel {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"seqgan-gumbel {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head and the like: not an error of ours
        sys.stderr.close()
        return 0
    except OSError as e:     # the operating system refused mid-way: permissions, a full disk
        from seqgan_gumbel.storage.paths import MACHINE_ERRNOS, os_error_line

        print(f"seqgan-gumbel {args.command}: error: {os_error_line(e)}", file=sys.stderr)
        return 1 if e.errno in MACHINE_ERRNOS else 2
    except Exception as e:
        from seqgan_gumbel.training.stopping import Interrupted, NonFiniteLoss

        if isinstance(e, Interrupted):
            print(f"seqgan-gumbel {args.command}: {e}", file=sys.stderr)
            return 128 + e.signum
        if isinstance(e, NonFiniteLoss):
            print(f"seqgan-gumbel {args.command}: error: {e}", file=sys.stderr)
            return 1
        print(f"seqgan-gumbel {args.command}: internal error: {type(e).__name__}: "
              f"{(str(e).splitlines() or [''])[0][:200]}; the full traceback is in {_save_traceback(args.command)} "
              f"(please report it)", file=sys.stderr)
        return 1


def _save_traceback(command: str) -> str:
    """Write the current exception's traceback to a file of its own and return its path."""
    import os
    import tempfile
    import time
    import traceback

    fd, path = tempfile.mkstemp(prefix=f"seqgan-gumbel-{command}-{time.strftime('%Y%m%d-%H%M%S')}-",
                                suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"seqgan-gumbel {' '.join(sys.argv[1:])}\n\n{traceback.format_exc()}")
    return path


if __name__ == "__main__":
    sys.exit(main())
