"""Judges of generated text that are trained here, nothing downloaded (Caccia et al. 2020; Pillutla et al. 2021).

    LM score      the NLL per token of the samples under the judge LM, a language model fitted
                  once on a data set's real training text, early-stopped on held-out real text
                  (quality: lower = samples the real data makes likely)
    reverse LM    a fresh small LM fitted on the samples, scored on the real test text (quality
                  and diversity together: lower = samples that cover the real text)
    MAUVE         of the judge LM's features of real test text against the samples' (higher =
                  closer; 1 = the same distribution), with the Fréchet distance of the same
                  features beside it (lower = closer)

A judge is a folder (judge.json, judge.pt) named by a digest of its training text, its validation
text and its settings: `seqgan-gumbel judge fit` writes it into the cache (SEQGAN_GUMBEL_CACHE,
default ~/.cache/seqgan_gumbel/judges) or --out, and evaluate and sweep find it there.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.evaluation.lm import LMRecipe

FORMAT = 1
JUDGES = ("lm", "reverse", "mauve")       # the figures a judge can give (--judges)
REVERSE = LMRecipe(emb_dim=64, hidden_dim=128, layers=1, dropout=0.0, lr=3e-3, max_epochs=15, patience=1)


@dataclass(frozen=True)
class JudgeConfig:
    lm: LMRecipe = field(default_factory=LMRecipe)         # the judge LM
    reverse: LMRecipe = REVERSE                            # the reverse LM, fitted on the samples
    validation_fraction: float = 0.05     # of the training text held out to stop the judge LM (without --validation)
    reverse_validation: float = 0.1       # of the samples held out to stop the reverse LM
    mauve_buckets: int = 0                # k-means clusters of MAUVE; 0 = n/10
    mauve_redo: int = 1
    mauve_iterations: int = 100

    @classmethod
    def from_dict(cls, d: dict) -> JudgeConfig:
        return cls(**{**d, "lm": LMRecipe(**d["lm"]), "reverse": LMRecipe(**d["reverse"])})


def cache_root() -> Path:
    """Where judges are kept: $SEQGAN_GUMBEL_CACHE/judges, default ~/.cache/seqgan_gumbel/judges."""
    base = os.environ.get("SEQGAN_GUMBEL_CACHE") or Path.home() / ".cache" / "seqgan_gumbel"
    return Path(base) / "judges"


def _lines_digest(lines: list[str] | None) -> str | None:
    """A digest of the text as the judges read it: whitespace tokens, so files that differ only in
    spacing (trailing blanks, tabs) name the same judge."""
    if lines is None:
        return None
    return hashlib.sha256("\n".join(" ".join(line.split()) for line in lines).encode("utf-8")).hexdigest()


def judge_digest(train: list[str], validation: list[str] | None, config: JudgeConfig) -> str:
    """What names a judge: its text and every setting its figures depend on."""
    key = {"format": FORMAT, "train": _lines_digest(train), "validation": _lines_digest(validation),
           "config": dataclasses.asdict(config)}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _split(lines: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(kept, held out): a seeded share of the lines held out, at least one each side."""
    if len(lines) < 2:
        raise UserError(f"a judge needs at least 2 lines of text to hold some out; got {len(lines)}")
    order = torch.randperm(len(lines), generator=torch.Generator().manual_seed(seed)).tolist()
    cut = min(max(1, round(len(lines) * fraction)), len(lines) - 1)
    return [lines[i] for i in sorted(order[cut:])], [lines[i] for i in sorted(order[:cut])]


class Judge:
    """A fitted judge LM with its vocabulary and settings; see the module's text for the figures."""

    def __init__(self, directory: Path, config: JudgeConfig, vocab, model, info: dict):
        self.directory, self.config, self.vocab, self.model, self.info = directory, config, vocab, model, info
        self._reference: dict[str, torch.Tensor] = {}

    @property
    def digest(self) -> str:
        return self.info["digest"]

    @classmethod
    def load(cls, directory: str | Path) -> Judge:
        from seqgan_gumbel.data.vocab import Vocab
        from seqgan_gumbel.evaluation.lm import LSTMLM

        directory = Path(directory)
        meta = directory / "judge.json"
        if not meta.is_file():
            raise UserError(f"judge {directory}: no judge.json there; fit one with: seqgan-gumbel judge fit --data FILE")
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("format") != FORMAT:
            raise UserError(f"judge {directory} has format {info.get('format')}, this version reads {FORMAT}; fit it again")
        config, vocab = JudgeConfig.from_dict(info["config"]), Vocab(tuple(info["vocab"]))
        model = LSTMLM(len(vocab), config.lm, vocab.bos)
        model.load_state_dict(torch.load(directory / "judge.pt", map_location="cpu", weights_only=True))
        model.eval()
        return cls(directory, config, vocab, model, {k: v for k, v in info.items() if k != "vocab"})

    def ids(self, lines: list[str], max_len: int | None = None) -> torch.Tensor:
        from seqgan_gumbel.evaluation.lm import encode

        return encode(self.vocab, lines, max_len or self.config.lm.max_len)

    def lm_score(self, samples: list[str]) -> dict:
        """{"lm_score": NLL per token of the samples, "lm_unknown": share of their tokens the judge never saw}."""
        from seqgan_gumbel.evaluation.lm import mean_nll

        ids = self.ids(samples)
        real = int((ids != self.vocab.pad).sum())
        return {"lm_score": mean_nll(self.model, ids, self.vocab.pad),
                "lm_unknown": int((ids == self.vocab.unk).sum()) / real}

    def features(self, lines: list[str]) -> torch.Tensor:
        from seqgan_gumbel.evaluation.lm import last_states

        return last_states(self.model, self.ids(lines), self.vocab.pad)

    def reverse_lm(self, samples: list[str], test: list[str], stop_on: list[str] | None = None) -> dict:
        """A fresh LM of the reverse recipe fitted on the samples (a share held out to stop it), in
        the judge's vocabulary; {"reverse_lm": its NLL per token of the real test text, ...}.
        stop_on: real lines other than the test text whose NLL stops the fit and picks its epoch
        instead; every sample is then trained on."""
        from seqgan_gumbel.evaluation.lm import fit, mean_nll

        recipe = self.config.reverse
        if stop_on is not None and not stop_on:
            raise UserError("the reverse LM's stopping text is empty; give some real lines or none")
        kept, held = (samples, stop_on) if stop_on else _split(samples, self.config.reverse_validation, recipe.seed)
        model, history = fit(self.vocab, self.ids(kept, recipe.max_len), self.ids(held, recipe.max_len), recipe)
        return {"reverse_lm": mean_nll(model, self.ids(test, recipe.max_len), self.vocab.pad),
                "reverse_lm_epochs": len(history)}

    def distances(self, samples: list[str], test: list[str], seed: int = 0) -> dict:
        """{"mauve", "frechet"} of the judge's features of the real test text against the samples'."""
        from seqgan_gumbel.evaluation.distances import frechet_distance, mauve_score

        key = _lines_digest(test)
        if key not in self._reference:            # a sweep compares every point with the same text
            self._reference = {key: self.features(test)}
        real, fake = self._reference[key].numpy(), self.features(samples).numpy()
        c = self.config
        return {"mauve": mauve_score(real, fake, buckets=c.mauve_buckets, seed=seed, redo=c.mauve_redo,
                                     iterations=c.mauve_iterations),
                "frechet": frechet_distance(real, fake)}

    def figures(self, samples: list[str], test: list[str] | None, judges=JUDGES, seed: int = 0) -> dict:
        """The judges' figures of samples against the real test text (reverse and mauve need it)."""
        unknown = set(judges) - set(JUDGES)
        if unknown:
            raise UserError(f"--judges: unknown {', '.join(sorted(unknown))}; choose from {', '.join(JUDGES)}")
        if test is None and set(judges) - {"lm"}:
            raise UserError("the reverse-LM score and MAUVE need real held-out text: give --run DIR (its test.txt) "
                            "or --references FILE, or --judges lm")
        out = {"judge": self.digest[:16]}
        out |= self.lm_score(samples) if "lm" in judges else {}
        out |= self.reverse_lm(samples, test) if "reverse" in judges else {}
        out |= self.distances(samples, test, seed) if "mauve" in judges else {}
        return out


def fit_judge(train: list[str], validation: list[str] | None = None, config: JudgeConfig | None = None, *,
              out: str | Path | None = None, progress: bool = False) -> Judge:
    """The judge of this text and config: loaded from out (default: the cache) when already
    fitted there, otherwise fitted and saved (judge.pt, then judge.json, each written atomically)."""
    from seqgan_gumbel.data.vocab import Vocab
    from seqgan_gumbel.evaluation.lm import encode, fit
    from seqgan_gumbel.storage.checkpoint import atomic_write_bytes

    config = config or JudgeConfig()
    digest = judge_digest(train, validation, config)
    out = Path(out) if out else cache_root() / digest[:16]
    if (out / "judge.json").is_file():
        judge = Judge.load(out)
        if judge.digest == digest:
            return judge
        raise UserError(f"{out} holds a judge of other text or settings; choose another --out or delete it")
    kept, held = (train, validation) if validation else _split(train, config.validation_fraction, config.lm.seed)
    vocab = Vocab.from_tokens(w for line in kept + held for w in line.split())
    model, history = fit(vocab, encode(vocab, kept, config.lm.max_len), encode(vocab, held, config.lm.max_len),
                         config.lm, progress)
    best = min(history, key=lambda h: h["valid_nll"])
    info = {"format": FORMAT, "digest": digest, "train_digest": _lines_digest(train),
            "validation_digest": _lines_digest(validation), "config": dataclasses.asdict(config), "train_lines": len(kept),
            "validation_lines": len(held), "epochs": len(history), "best_epoch": best["epoch"],
            "validation_nll": best["valid_nll"], "history": history}
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "judge.pt", lambda f: torch.save(model.state_dict(), f))
    text = json.dumps(info | {"vocab": list(vocab.tokens)}, indent=1) + "\n"
    atomic_write_bytes(out / "judge.json", lambda f: f.write(text.encode("utf-8")))
    return Judge(out, config, vocab, model, info)


def find_judge(train: list[str]) -> Judge | None:
    """The judge in the cache fitted on this training text (with its own validation split), if any;
    the newest of several (fitted with other settings)."""
    want, found = _lines_digest(train), []
    for meta in cache_root().glob("*/judge.json"):
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue          # a judge being written, or damaged: not this one
        if info.get("train_digest") == want and info.get("validation_digest") is None and info.get("format") == FORMAT:
            found.append((meta.stat().st_mtime, meta.parent))
    return Judge.load(max(found)[1]) if found else None


def run_judge(run_dir: str | Path) -> Judge | None:
    """The judge cached for a run's train.txt (what evaluate, sweep and Run.evaluate find), or None."""
    train = run_lines(run_dir, "train")
    return find_judge(train) if train else None


def load_judge(directory: str | Path) -> Judge:
    """The judge in a folder written by fit_judge (or `seqgan-gumbel judge fit --out DIR`)."""
    return Judge.load(directory)


def run_lines(run_dir: str | Path, name: str) -> list[str] | None:
    """The lines of a run's train.txt or test.txt (None when it has none), as judges read them."""
    from seqgan_gumbel.metrics.text import read_text_lines

    path = Path(run_dir) / f"{name}.txt"
    return read_text_lines(path, f"{name} file", keep_empty=False) if path.is_file() else None
