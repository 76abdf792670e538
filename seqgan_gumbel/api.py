"""seqgan_gumbel from Python: train a run, load one, sample from it and score the samples.

Every function here is what a command does, without the command line:

    import seqgan_gumbel as sg
    run = sg.train(out="runs/demo", overrides={"train.mle_steps": 300, "train.adv_steps": 20})
    texts = run.sample(500, temperature=0.8, seed=1)
    run.evaluate(texts)            # the figures of `seqgan-gumbel evaluate --run runs/demo --json`
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seqgan_gumbel.config.schema import Config, from_dict
from seqgan_gumbel.setup.config import apply_overrides, load_config
from seqgan_gumbel.errors import UserError


def _config(config, overrides) -> Config:
    """A validated Config from None (the defaults), a TOML path, a dict or a Config, plus overrides
    ({"section.key": value} or ["section.key=value", ...])."""
    items = [f"{k}={v}" for k, v in overrides.items()] if isinstance(overrides, dict) else list(overrides or [])
    if config is None or isinstance(config, (str, Path)):
        return load_config(str(config) if config is not None else None, items)
    cfg = from_dict(config.to_dict() if isinstance(config, Config) else config)
    apply_overrides(cfg, items)
    return cfg


def train(config: Config | dict | str | Path | None = None, out: str | Path = "runs/api", *,
          overrides: dict | list[str] | None = None, overwrite: bool = False, progress: bool = False) -> Run:
    """Train a run into `out` (config: None for the defaults, a TOML file, a dict or a Config) and load it."""
    from seqgan_gumbel.training.start import train as train_run

    train_run(_config(config, overrides), out, overwrite=overwrite, progress=progress)
    return load(out)


def resume(run_dir: str | Path, overrides: dict | list[str] | None = None, *, progress: bool = False) -> Run:
    """Continue a stopped run from its newest checkpoint and load the result."""
    from seqgan_gumbel.training.start import resume as resume_run

    items = [f"{k}={v}" for k, v in overrides.items()] if isinstance(overrides, dict) else overrides
    resume_run(run_dir, items, progress=progress)
    return load(run_dir)


def load(run_dir: str | Path, device: str = "cpu") -> Run:
    """A finished (or checkpointed) run: its config, vocabulary and trained generator."""
    from seqgan_gumbel.setup.runs import load_run

    return Run(load_run(run_dir, device))


@dataclass
class Run:
    """A trained run, loaded: sample from it and score samples as `evaluate` does."""

    loaded: object   # run.LoadedRun

    @property
    def path(self) -> Path:
        return self.loaded.directory

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def generator(self):
        return self.loaded.generator

    @property
    def summary(self) -> dict:
        """The run's summary.json (empty for a run that has not finished)."""
        import json

        p = self.path / "summary.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}

    def sample(self, num: int = 1000, *, temperature: float = 1.0, seed: int | None = 0, method: str = "plain",
               strength: float = 1.0, candidates: int = 8, top_k: int = 0, top_p: float = 1.0,
               prompt: str | None = None) -> list[str]:
        """num samples as text lines (the sampling temperature divides the logits; seed None: unseeded),
        each step's distribution truncated to its top_k tokens and its top_p nucleus (0 and 1: none);
        prompt: num continuations of that text, each starting with it verbatim. method guide, sir or
        rejection: guided or filtered by the run's ratio model (fit_ratio) at that strength, as
        `sample --guide / --filter` do (truncating the guided distribution, for the guide)."""
        from seqgan_gumbel.models.decoding import Decoder
        from seqgan_gumbel.setup.prompts import sample_lines

        if num < 1 or not 0 < temperature < float("inf"):
            raise UserError(f"num must be at least 1 and temperature a positive number, got {num}, {temperature}")
        decoder = Decoder(temperature, top_k, top_p)
        if method == "plain":
            return sample_lines(self.loaded, num, decoder, seed=seed, prompts=None if prompt is None else [prompt])
        if prompt is not None:
            raise UserError("prompt continues text by plain sampling; not with method guide, sir or rejection")
        v = self.loaded.vocab
        ids, _ = self.sampler(method, temperature=temperature, strength=strength, candidates=candidates,
                              top_k=top_k, top_p=top_p).draw(num, seed)
        return [v.text(v.decode(r)) for r in ids.tolist()]

    def sampler(self, method: str = "guide", *, temperature: float = 1.0, strength: float = 1.0, candidates: int = 8,
                top_k: int = 0, top_p: float = 1.0):
        """A sampler of samplers.py (draw(num, seed), log_p(ids), held_out(ids)): log_p is the exact
        likelihood of what it draws, truncation included; every method but plain uses the run's
        ratio model."""
        from seqgan_gumbel.ratio.model import run_sampler

        return run_sampler(self.loaded, method, temperature=temperature, strength=strength, candidates=candidates,
                           top_k=top_k, top_p=top_p)[0]

    def fit_ratio(self, *, progress: bool = False, **options) -> dict:
        """Fit and save the run's ratio model (options: the fields of ratio.fit.RatioConfig); its report."""
        from seqgan_gumbel.ratio.fit import RatioConfig, fit_and_save

        return fit_and_save(self.loaded, RatioConfig(**options), progress)

    def evaluate(self, samples: list[str] | None = None, *, num: int = 2000, temperature: float = 1.0,
                 seed: int = 0, top_k: int = 0, top_p: float = 1.0, judge=None, judges=("lm", "mauve"),
                 **options) -> dict:
        """The run's data kind's full figures of samples (default: num drawn at the temperature, each
        step truncated to top_k / top_p), the held-out NLL under that decoder; with a judge (a Judge,
        its folder, or "found": the one cached for the run's train.txt), the judges' figures too.
        options: those of kinds.EvalOptions (orders, self_bleu, smoothing, corpus_level, reference)."""
        from seqgan_gumbel.kinds import EvalOptions
        from seqgan_gumbel.models.decoding import Decoder

        decoder = Decoder(temperature, top_k, top_p)
        if samples is None:
            samples = self.sample(num, temperature=temperature, seed=seed, top_k=top_k, top_p=top_p)
        opts = EvalOptions(temperature=decoder if decoder.truncates else temperature, seed=seed, **options)
        result = self.loaded.kind().full_figures(list(samples), self.generator, opts)
        judge = self._judge(judge)
        if judge is not None:
            from seqgan_gumbel.evaluation.judge import run_lines

            result |= judge.figures(list(samples), run_lines(self.path, "test"), judges, seed)
        return result

    def _judge(self, judge):
        from seqgan_gumbel.evaluation.judge import Judge, run_judge

        if judge == "found":
            found = run_judge(self.path)
            if found is None:
                raise UserError(f"no judge is cached for {self.path}'s train.txt: call run.fit_judge() first")
            return found
        return Judge.load(judge) if isinstance(judge, (str, Path)) else judge

    def fit_judge(self, config=None, *, out: str | Path | None = None, progress: bool = False):
        """The judge LM of the run's train.txt (evaluation.judge.JudgeConfig; default: 2 x 512 LSTM),
        fitted and cached, or loaded when it already is; what evaluate(judge="found") and sweep find."""
        from seqgan_gumbel.evaluation.judge import fit_judge, run_lines

        return fit_judge(run_lines(self.path, "train"), None, config, out=out, progress=progress)


def score_bleu(samples: list[str], references: list[str], orders=(2, 3, 4, 5), *, smoothing: bool = True,
         corpus_level: bool = False) -> dict[int, float]:
    """BLEU-n of every sample against all references (whitespace tokens), as NLTK computes it."""
    from seqgan_gumbel.metrics.text import text_scores

    s = text_scores(samples, references, orders=orders, smoothing=smoothing, corpus_level=corpus_level)
    return {int(n): v for n, v in s["bleu"].items()}


def score_self_bleu(samples: list[str], orders=(2, 3, 4, 5), *, smoothing: bool = True) -> dict[int, float]:
    """Self-BLEU-n: each sample against all the other samples, averaged."""
    from seqgan_gumbel.metrics.text import text_scores

    s = text_scores(samples, None, orders=orders, self_bleu=True, smoothing=smoothing)
    return {int(n): v for n, v in s["self_bleu"].items()}
