"""The training loop: maximum-likelihood warm-up, then adversarial training through Gumbel-softmax."""
from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path

import torch
from tqdm import tqdm

from .checkpoint import CHECKPOINT_NAME, save_checkpoint
from .config import Config, to_toml
from .data import SequenceData, build_data, write_lines
from .errors import UserError
from .generator import one_hot
from .grammar_metrics import grammar_scores
from .losses import discriminator_loss, generator_loss, gradient_penalty
from .run import (build_discriminator, build_generator, draw_ids, generator_nll, grammar_of,
                  resolve_device)
from .schedules import temperature
from .vocab import SPECIALS

RUN_MARKERS = ("config.toml", CHECKPOINT_NAME, "metrics.jsonl")


class NonFiniteLoss(RuntimeError):
    """A loss became NaN or infinite; the run stops rather than train on garbage."""


def prepare_run_dir(out: Path, overwrite: bool) -> None:
    """Create out; refuse to mix a new run into an existing one unless asked to replace it."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; choose a directory")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"--out {out} is not empty; pass --overwrite to replace the run there "
                            f"or choose another --out")
        if not any((out / m).exists() for m in RUN_MARKERS):
            raise UserError(f"--out {out} holds files that are not a seqgan_gumbel run; "
                            f"refusing to overwrite it, choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


class Trainer:
    """Owns the models, optimizers and data stream of one run and writes its run directory."""

    def __init__(self, cfg: Config, out: Path, *, progress: bool = True):
        self.cfg, self.out, self.progress = cfg, out, progress
        tr = cfg.train
        self.grammar = grammar_of(cfg)
        self.device = resolve_device(tr.device)
        self.data: SequenceData = build_data(cfg, self.grammar, self.device)
        torch.manual_seed(tr.seed)
        vocab = self.data.vocab
        self.gen = build_generator(cfg, vocab, self.data.seq_len, self.data.banned).to(self.device)
        self.disc = build_discriminator(cfg, vocab).to(self.device)
        betas = (tr.beta1, tr.beta2)
        self.opt_mle = torch.optim.Adam(self.gen.parameters(), lr=tr.mle_lr)
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=tr.g_lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=tr.d_lr, betas=betas)
        self.batches = self.data.batches(tr.batch_size, torch.Generator().manual_seed(tr.seed))
        self.start_time = time.perf_counter()
        self.last_scores: dict = {}

    # ------------------------------------------------------------------ steps
    def _next_real(self) -> torch.Tensor:
        return next(self.batches).to(self.device)

    def _mle_loss(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mean per-token NLL of real sequences, end token included and padding excluded."""
        return self.gen.token_nll(tokens).sum() / (tokens != self.data.vocab.pad).sum()

    def _clip_step(self, opt: torch.optim.Optimizer, params) -> None:
        if self.cfg.train.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, self.cfg.train.grad_clip)
        opt.step()

    def mle_step(self) -> dict:
        loss = self._mle_loss(self._next_real())
        self._check(loss, "mle")
        self.opt_mle.zero_grad(set_to_none=True)
        loss.backward()
        self._clip_step(self.opt_mle, self.gen.parameters())
        return {"mle_loss": loss.item()}

    def _fake(self, tau: float, need_grad: bool) -> torch.Tensor:
        g = self.cfg.generator
        B = self.cfg.train.batch_size
        with torch.set_grad_enabled(need_grad):
            # A straight-through sample is an exact one-hot, so the discriminator step needs
            # only the hard tokens (no softmax, no graph) unless the feedback itself is relaxed.
            relaxed = need_grad or not g.straight_through
            return self.gen.generate(B, tau, g.feedback, straight_through=g.straight_through,
                                     need_relaxed=relaxed).onehot

    def adversarial_step(self, tau: float) -> dict:
        tr, V, pad = self.cfg.train, len(self.data.vocab), self.data.vocab.pad
        for _ in range(tr.d_steps):
            real = one_hot(self._next_real(), V, pad)
            fake = self._fake(tau, need_grad=False)
            d_real, d_fake = self.disc(real), self.disc(fake)
            d_loss = discriminator_loss(tr.loss, d_real, d_fake)
            if tr.loss == "wgan-gp" and tr.gp_weight > 0:
                d_loss = d_loss + tr.gp_weight * gradient_penalty(self.disc, real, fake)
            self._check(d_loss, "discriminator")
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self._clip_step(self.opt_d, self.disc.parameters())
        self.disc.requires_grad_(False)
        try:
            for _ in range(tr.g_steps):
                fake = self._fake(tau, need_grad=True)
                real_tokens = self._next_real()
                d_real = self.disc(one_hot(real_tokens, V, pad)) if tr.loss == "rsgan" else None
                g_loss = generator_loss(tr.loss, d_real, self.disc(fake))
                if tr.mle_weight > 0:
                    g_loss = g_loss + tr.mle_weight * self._mle_loss(real_tokens)
                self._check(g_loss, "generator")
                self.opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                self._clip_step(self.opt_g, self.gen.parameters())
        finally:
            self.disc.requires_grad_(True)
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "tau": tau}

    def _check(self, loss: torch.Tensor, what: str) -> None:
        if not torch.isfinite(loss):
            raise NonFiniteLoss(f"{what} loss is {loss.item()} at {self._where}; the run stopped "
                                f"without a checkpoint of the broken state (lower the learning rates "
                                f"or raise train.grad_clip)")

    # ------------------------------------------------------------- the run
    def evaluate(self) -> dict:
        """The data's own quality figures on freshly drawn samples (and held-out NLL)."""
        ids = draw_ids(self.gen, self.cfg.train.eval_samples)
        out = {}
        if self.grammar is not None:
            s = grammar_scores([self.data.vocab.decode(r) for r in ids.tolist()], self.grammar)
            out = {"valid": s["valid"], "unique": s["unique"], "mean_length": s["mean_length"]}
        if self.data.oracle is not None:
            out["nll_oracle"] = self.data.oracle.nll(ids - len(SPECIALS))
        if self.data.test_ids is not None:
            out["nll_test"] = generator_nll(self.gen, self.data.test_ids[:self.cfg.train.eval_test],
                                            self.data.vocab.pad)
        return out

    def run(self) -> dict:
        cfg, tr = self.cfg, self.cfg.train
        t = cfg.temperature
        data, vocab = self.data, self.data.vocab
        (self.out / "config.toml").write_text(to_toml(cfg), encoding="utf-8")
        (self.out / "vocab.json").write_text(json.dumps(list(vocab.tokens)), encoding="utf-8")
        write_lines(self.out / "train.txt", (vocab.text(s) for s in data.sequences))
        if data.test_lines is not None:
            write_lines(self.out / "test.txt", data.test_lines)
        if data.tokenizer_json is not None:
            (self.out / "tokenizer.json").write_text(data.tokenizer_json, encoding="utf-8")
        if data.oracle is not None:
            data.oracle.save(self.out / "oracle.npz")
            # The held-out oracle samples, as oracle token ids, for NLL_test in evaluate and sweep.
            write_lines(self.out / "test.txt", (" ".join(str(i - len(SPECIALS)) for i in row)
                                               for row in data.test_ids.tolist()))
        total = tr.mle_steps + tr.adv_steps
        bar = tqdm(total=total, disable=not self.progress, dynamic_ncols=True, unit="step", mininterval=0.5)
        with open(self.out / "metrics.jsonl", "w", encoding="utf-8") as log:
            def record(phase: str, step: int, figures: dict, last: bool) -> None:
                if (step + 1) % tr.log_every and not last:
                    return
                self.last_scores = self.evaluate()
                row = {"phase": phase, "step": step + 1, **figures, **self.last_scores,
                       "elapsed_s": round(time.perf_counter() - self.start_time, 3)}
                log.write(json.dumps(row) + "\n")
                log.flush()
                bar.set_postfix({k: (f"{v:.3g}" if isinstance(v, float) else v)
                                 for k, v in row.items() if k not in ("elapsed_s", "phase")}, refresh=False)

            self.gen.train()
            record("init", -1, {}, True)   # the untrained generator, as the baseline of every figure
            bar.set_description("mle", refresh=False)
            for step in range(tr.mle_steps):
                self._where = f"maximum-likelihood step {step + 1}"
                record("mle", step, self.mle_step(), step == tr.mle_steps - 1)
                bar.update()
            bar.set_description("adv", refresh=False)
            for step in range(tr.adv_steps):
                self._where = f"adversarial step {step + 1}"
                tau = temperature(t.schedule, step, tr.adv_steps, t.tau_start, t.tau_end, t.rate or None)
                record("adv", step, self.adversarial_step(tau), step == tr.adv_steps - 1)
                bar.update()
        bar.close()
        self.save()
        ids = draw_ids(self.gen, tr.num_samples)
        samples = [vocab.decode(r) for r in ids.tolist()]
        write_lines(self.out / "samples.txt", (vocab.text(s) for s in samples))
        summary = {"wall_s": round(time.perf_counter() - self.start_time, 2),
                   "device": str(self.device), "threads": torch.get_num_threads(),
                   "mle_steps": tr.mle_steps, "adv_steps": tr.adv_steps, "data": data.stats}
        if self.grammar is not None:
            summary["samples"] = grammar_scores(samples, self.grammar, data.sequences)
        if data.oracle is not None:
            summary["nll_oracle"] = data.oracle.nll(ids - len(SPECIALS))
        if data.test_ids is not None:
            summary["nll_test"] = generator_nll(self.gen, data.test_ids, vocab.pad)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return summary

    def save(self) -> None:
        state = {
            "config": self.cfg.to_dict(),
            "vocab": list(self.data.vocab.tokens),
            "decoder": self.data.vocab.decoder,
            "max_len": self.data.max_len,
            "fixed_length": self.data.fixed_length,
            "banned": list(self.data.banned),
            "tokenizer_json": self.data.tokenizer_json or "",
            "generator": self.gen.state_dict(),
            "discriminator": self.disc.state_dict(),
            "step": self.cfg.train.mle_steps + self.cfg.train.adv_steps,
        }
        save_checkpoint(self.out / CHECKPOINT_NAME, state)


def train(cfg: Config, out: str | Path, *, overwrite: bool = False, progress: bool = True) -> dict:
    """Train one run into the directory `out`; everything a user can get wrong is checked first."""
    out = Path(out)
    if cfg.train.threads > 0:
        torch.set_num_threads(cfg.train.threads)
    trainer = Trainer(cfg, out, progress=progress)  # loads data and builds models: may raise UserError
    prepare_run_dir(out, overwrite)
    return trainer.run()
