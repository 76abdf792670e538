"""The training loop: maximum-likelihood warm-up, then adversarial training through Gumbel-softmax.

Every step has a global index (warm-up steps first, then adversarial iterations). A checkpoint
holds everything the next step depends on: weights, optimizer states, the random-number
generators, the position in the data and the warm-up's best generator, so a run resumed from
any checkpoint ends bit-identical (on the CPU) to the same run never stopped.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import time
from pathlib import Path

import torch
from tqdm import tqdm

from . import distributed
from .checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from .config import Config, to_toml
from .data import SequenceData, build_data, write_lines
from .errors import UserError
from .generator import one_hot
from .grammar_metrics import grammar_scores
from .losses import discriminator_loss, generator_loss, gradient_penalty
from .run import (build_discriminator, build_generator, draw_ids, generator_nll, grammar_of,
                  resolve_device)
from .schedules import temperature
from .vocab import N_SPECIALS

RUN_MARKERS = ("config.toml", CHECKPOINT_NAME, "metrics.jsonl")


class NonFiniteLoss(RuntimeError):
    """A loss became NaN or infinite; the run stops rather than train on garbage."""


class Interrupted(RuntimeError):
    """SIGINT or SIGTERM arrived; a checkpoint was written and the run can be resumed."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.signum = signum


def check_run_dir(out: Path, overwrite: bool) -> None:
    """Refuse to mix a new run into an existing one unless asked to replace it."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; choose a directory")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise UserError(f"--out {out} is not empty; pass --overwrite to replace the run there, "
                            f"--resume {out} to continue it, or choose another --out")
        if not any((out / m).exists() for m in RUN_MARKERS):
            raise UserError(f"--out {out} holds files that are not a seqgan_gumbel run; "
                            f"refusing to overwrite it, choose another --out")


def prepare_run_dir(out: Path, overwrite: bool) -> None:
    """Create out, replacing an earlier run there only when asked to."""
    check_run_dir(out, overwrite)
    if out.is_dir() and any(out.iterdir()):
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


class Trainer:
    """Owns the models, optimizers and data stream of one run and writes its run directory."""

    def __init__(self, cfg: Config, out: Path, *, progress: bool = True, dist: distributed.Dist | None = None):
        self.cfg, self.out = cfg, out
        self.dist = dist or distributed.Dist()
        self.progress = progress and self.dist.main
        tr = cfg.train
        if self.dist.active and tr.mle_patience > 0:
            raise UserError("train.mle_patience (early stopping) is not available under torchrun; "
                            "set it to 0 or pre-train in one process and pass train.init_generator")
        self.grammar = grammar_of(cfg)
        self.device = resolve_device(tr.device, self.dist.local_rank if self.dist.active else None)
        distributed.start(self.dist, self.device, tr.batch_size)
        self.shard = self.dist.shard(tr.batch_size)      # this process's rows of each global batch
        self.local_batch = tr.batch_size // self.dist.world
        self.data: SequenceData = build_data(cfg, self.grammar, self.device)
        self.ids = self.data.ids.to(self.device)         # the training data lives on the device
        if tr.cuda_graphs and self.device.type != "cuda":
            raise UserError("train.cuda_graphs needs a CUDA GPU (train.device cuda); drop it on the CPU")
        self._graphed = None                             # GraphedSampler, or False once capture failed
        torch.manual_seed(tr.seed)
        vocab = self.data.vocab
        self.gen = build_generator(cfg, vocab, self.data.seq_len, self.data.banned).to(self.device)
        self.disc = build_discriminator(cfg, vocab).to(self.device)
        betas = (tr.beta1, tr.beta2)
        self.opt_mle = torch.optim.Adam(self.gen.parameters(), lr=tr.mle_lr)
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=tr.g_lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=tr.d_lr, betas=betas)
        self.stream = self.data.batches(tr.batch_size, tr.seed)
        self.mle_steps = (math.ceil(tr.mle_epochs * self.stream.batches_per_epoch) if tr.mle_epochs > 0
                          else tr.mle_steps)
        if tr.init_generator:
            self._load_pretrained(tr.init_generator)
            self.mle_steps = 0
        self.total = self.mle_steps + tr.adv_steps
        self.global_step = 0
        self.best: dict | None = None        # warm-up early stopping: best held-out NLL so far
        self.stop_signal: int | None = None
        self.start_time = time.perf_counter()
        self.last_scores: dict = {}
        self._where = "start"

    # ------------------------------------------------------------ pre-training
    def _load_pretrained(self, path: str) -> None:
        state = load_checkpoint(path)
        if tuple(state.get("vocab", ())) != self.data.vocab.tokens:
            raise UserError(f"pre-trained generator {path} was trained on another vocabulary; "
                            f"use one pre-trained on this data")
        try:
            self.gen.load_state_dict(state["generator"])
        except (KeyError, RuntimeError) as e:
            raise UserError(f"pre-trained generator {path} does not fit this generator's sizes "
                            f"({str(e).splitlines()[0][:100]})") from None

    def _generator_state(self) -> dict:
        """What `sample --run` and train.init_generator need of a generator."""
        v = self.data.vocab
        return {"config": self.cfg.to_dict(), "vocab": list(v.tokens), "decoder": v.decoder,
                "max_len": self.data.max_len, "fixed_length": self.data.fixed_length,
                "banned": list(self.data.banned), "tokenizer_json": self.data.tokenizer_json or "",
                "generator": self.gen.state_dict()}

    # ------------------------------------------------------------------ steps
    def _autocast(self):
        """bf16 autocast for the models' arithmetic when train.precision is bf16."""
        if self.cfg.train.precision == "bf16":
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _next_real(self) -> torch.Tensor:
        """This process's rows of the next global batch of real sequences (token ids)."""
        batch = self.ids[self.stream.next().to(self.device)]
        self._real_tokens = (batch != self.data.vocab.pad).sum()   # in the whole global batch
        return batch if self.shard is None else batch[self.shard[0]:self.shard[1]]

    def _mle_loss(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mean per-token NLL of the global batch's real sequences, end token included and
        padding excluded. Each process sums its rows over the global token count, times the
        number of processes, so the averaged gradient is that of the global mean."""
        with self._autocast():
            nll = self.gen.token_nll(tokens).sum()
        return nll * self.dist.world / self._real_tokens

    def _clip_step(self, opt: torch.optim.Optimizer, params) -> None:
        params = list(params)
        distributed.average_gradients(self.dist, params)
        if self.cfg.train.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, self.cfg.train.grad_clip)
        opt.step()

    def mle_step(self) -> dict:
        loss = self._mle_loss(self._next_real())
        self._check(loss, "mle")
        self.opt_mle.zero_grad(set_to_none=True)
        loss.backward()
        self._clip_step(self.opt_mle, self.gen.parameters())
        (mle_loss,) = distributed.mean_of(self.dist, [loss.item()], self.device)
        return {"mle_loss": mle_loss}

    def _graphed_fake(self, tau: float, relaxed: bool) -> torch.Tensor | None:
        """The discriminator step's fake batch from the captured CUDA graph (train.cuda_graphs);
        None when capture failed, after which sampling stays eager."""
        if self._graphed is None:
            from .graphs import GraphedSampler

            g = self.cfg.generator
            try:
                self._graphed = GraphedSampler(self.gen, self.local_batch, g.feedback, g.straight_through,
                                               relaxed, self.shard, self.cfg.train.precision == "bf16")
            except Exception as e:   # an op the capture cannot take: say so once, then go on eagerly
                self._graphed = False
                tqdm.write(f"seqgan-gumbel train: CUDA graph capture failed ({type(e).__name__}: "
                           f"{str(e).splitlines()[0][:120]}); sampling eagerly")
        if self._graphed is False:
            return None
        out = self._graphed(tau)
        return out.onehot if out.onehot is not None else out.tokens

    def _fake(self, tau: float, need_grad: bool) -> torch.Tensor:
        g = self.cfg.generator
        if not need_grad and self.cfg.train.cuda_graphs:
            fake = self._graphed_fake(tau, not g.straight_through)
            if fake is not None:
                return fake
        with torch.set_grad_enabled(need_grad), self._autocast():
            # A straight-through sample is an exact one-hot, so the discriminator step needs
            # only the hard tokens (no softmax, no graph) unless the feedback itself is relaxed.
            relaxed = need_grad or not g.straight_through
            out = self.gen.generate(self.local_batch, tau, g.feedback, straight_through=g.straight_through,
                                    need_relaxed=relaxed, shard=self.shard)
            return out.onehot if out.onehot is not None else out.tokens   # [B, T, V] or ids [B, T]

    def adversarial_step(self, tau: float) -> dict:
        tr, V, pad = self.cfg.train, len(self.data.vocab), self.data.vocab.pad
        for _ in range(tr.d_steps):
            real = self._next_real()                   # token ids: embedded by lookup in the critic
            fake = self._fake(tau, need_grad=False)
            with self._autocast():
                d_real, d_fake = self.disc(real), self.disc(fake)
            d_loss = discriminator_loss(tr.loss, d_real.float(), d_fake.float())   # losses in fp32
            if tr.loss == "wgan-gp" and tr.gp_weight > 0:
                dense_fake = one_hot(fake, V, pad) if fake.dtype == torch.long else fake
                d_loss = d_loss + tr.gp_weight * gradient_penalty(self.disc, one_hot(real, V, pad), dense_fake)
            self._check(d_loss, "discriminator")
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self._clip_step(self.opt_d, self.disc.parameters())
        self.disc.requires_grad_(False)
        try:
            for _ in range(tr.g_steps):
                fake = self._fake(tau, need_grad=True)
                real_tokens = self._next_real()
                with self._autocast():
                    d_real = self.disc(real_tokens).float() if tr.loss == "rsgan" else None
                    d_fake = self.disc(fake).float()
                g_loss = generator_loss(tr.loss, d_real, d_fake)
                if tr.mle_weight > 0:
                    g_loss = g_loss + tr.mle_weight * self._mle_loss(real_tokens)
                self._check(g_loss, "generator")
                self.opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                self._clip_step(self.opt_g, self.gen.parameters())
        finally:
            self.disc.requires_grad_(True)
        d_mean, g_mean = distributed.mean_of(self.dist, [d_loss.item(), g_loss.item()], self.device)
        return {"d_loss": d_mean, "g_loss": g_mean, "tau": tau}

    def _check(self, loss: torch.Tensor, what: str) -> None:
        if not torch.isfinite(loss):
            ckpt = self.out / CHECKPOINT_NAME
            last = (f"the last good checkpoint, {ckpt} (step {load_checkpoint(ckpt)['global_step']}), "
                    f"is left as it was" if ckpt.is_file() else "no checkpoint had been written yet")
            raise NonFiniteLoss(f"{what} loss is {loss.item()} at {self._where}; the run stopped and "
                                f"{last} (lower the learning rates or set train.grad_clip)")

    # -------------------------------------------------------------- evaluate
    def evaluate(self) -> dict:
        """The data's own quality figures on freshly drawn samples (and held-out NLL), drawn
        from a forked random stream so that evaluating never changes what training draws."""
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            return self._evaluate()

    def _evaluate(self) -> dict:
        ids = draw_ids(self.gen, self.cfg.train.eval_samples)
        out = {}
        if self.grammar is not None:
            s = grammar_scores([self.data.vocab.decode(r) for r in ids.tolist()], self.grammar)
            out = {"valid": s["valid"], "unique": s["unique"], "mean_length": s["mean_length"]}
        if self.data.oracle is not None:
            out["nll_oracle"] = self.data.oracle.nll(ids - N_SPECIALS)
        if self.data.test_lines is not None:
            from .evaluation import text_scores

            vocab = self.data.vocab
            hyps = [vocab.text(vocab.decode(r)) for r in ids.tolist()]
            s = text_scores(hyps, self.data.test_lines, orders=[2, 3, 4, 5], self_bleu=True)
            out.update({f"bleu{n}": v for n, v in s["bleu"].items()})
            out.update({f"self_bleu{n}": v for n, v in s["self_bleu"].items()})
        if self.data.test_ids is not None:
            out["nll_test"] = generator_nll(self.gen, self.data.test_ids[:self.cfg.train.eval_test],
                                            self.data.vocab.pad)
        return out

    # ------------------------------------------------------------- the run
    def _write_run_files(self) -> None:
        data, vocab = self.data, self.data.vocab
        (self.out / "config.toml").write_text(to_toml(self.cfg), encoding="utf-8")
        (self.out / "vocab.json").write_text(json.dumps(list(vocab.tokens)), encoding="utf-8")
        write_lines(self.out / "train.txt", (vocab.text(s) for s in data.sequences))
        if data.test_lines is not None:
            write_lines(self.out / "test.txt", data.test_lines)
        if data.tokenizer_json is not None:
            (self.out / "tokenizer.json").write_text(data.tokenizer_json, encoding="utf-8")
        if data.oracle is not None:
            data.oracle.save(self.out / "oracle.npz")
            # The held-out oracle samples, as oracle token ids, for NLL_test in evaluate and sweep.
            write_lines(self.out / "test.txt", (" ".join(str(i - N_SPECIALS) for i in row)
                                               for row in data.test_ids.tolist()))

    def _on_signal(self, signum, frame) -> None:
        self.stop_signal = signum   # acted on at the end of the current step

    def _record(self, log, wandb_run, bar, phase: str, local_step: int, figures: dict) -> None:
        tr = self.cfg.train
        last_of_phase = local_step == (self.mle_steps if phase == "mle" else tr.adv_steps)
        if phase != "init" and local_step % tr.log_every and not last_of_phase:
            return
        self.last_scores = self.evaluate()
        row = {"phase": phase, "step": local_step, "global_step": self.global_step, **figures,
               **self.last_scores, "elapsed_s": round(time.perf_counter() - self.start_time, 3)}
        log.write(json.dumps(row) + "\n")
        log.flush()
        if wandb_run is not None:
            wandb_run.log({k: v for k, v in row.items() if isinstance(v, (int, float))}, step=self.global_step)
        bar.set_postfix({k: (f"{v:.3g}" if isinstance(v, float) else v)
                         for k, v in row.items() if k not in ("elapsed_s", "phase", "global_step")},
                        refresh=False)
        if phase == "mle" and tr.mle_patience > 0 and "nll_test" in self.last_scores:
            nll = self.last_scores["nll_test"]
            if self.best is None or nll < self.best["nll"]:
                self.best = {"nll": nll, "step": self.global_step, "evals_since": 0,
                             "generator": {k: v.detach().clone() for k, v in self.gen.state_dict().items()}}
            else:
                self.best["evals_since"] += 1

    def _early_stop(self) -> bool:
        """At the patience limit: restore the best warm-up generator and skip to the adversarial phase."""
        b, tr = self.best, self.cfg.train
        if b is None or tr.mle_patience == 0 or b["evals_since"] < tr.mle_patience:
            return False
        self.gen.load_state_dict(b["generator"])
        self.early_stopped_at = self.global_step
        self.global_step = self.mle_steps
        return True

    def run(self, resumed: bool = False) -> dict:
        tr, t = self.cfg.train, self.cfg.temperature
        main = self.dist.main
        if not resumed and main:
            self._write_run_files()
        wandb_run = self._start_wandb(resumed) if main else None
        bar = tqdm(total=self.total, initial=self.global_step, disable=not self.progress,
                   dynamic_ncols=True, unit="step", mininterval=0.5)
        handlers = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        self.early_stopped_at = None
        try:
            # Only the first process writes; the others train their shards alongside.
            with (open(self.out / "metrics.jsonl", "a", encoding="utf-8") if main else contextlib.nullcontext()) as log:
                if self.global_step == 0 and main:
                    self._record(log, wandb_run, bar, "init", 0, {})  # the untrained generator
                while self.global_step < self.total and self.stop_signal is None:
                    step = self.global_step
                    if step < self.mle_steps:
                        phase, local = "mle", step + 1
                        self._where = f"maximum-likelihood step {local}"
                        figures = self.mle_step()
                    else:
                        phase, local = "adv", step - self.mle_steps + 1
                        self._where = f"adversarial step {local}"
                        tau = temperature(t.schedule, local - 1, tr.adv_steps, t.tau_start, t.tau_end, t.rate or None)
                        figures = self.adversarial_step(tau)
                    bar.set_description(phase, refresh=False)
                    self.global_step += 1
                    if main:
                        self._record(log, wandb_run, bar, phase, local, figures)
                    if self.dist.active:   # a signal seen by any process stops them all at this step
                        self.stop_signal = distributed.any_flag(self.dist, self.stop_signal or 0, self.device) or None
                    if phase == "mle" and step + 1 < self.mle_steps and self._early_stop():
                        bar.update(self.global_step - step)
                    else:
                        bar.update()
                    if phase == "mle" and self.global_step == self.mle_steps:
                        if self.best is not None and tr.mle_patience > 0:
                            self.gen.load_state_dict(self.best["generator"])  # keep the best warm-up
                        if main:
                            save_checkpoint(self.out / "pretrained.pt", self._generator_state(), keep_previous=False)
                    if tr.checkpoint_every and self.global_step % tr.checkpoint_every == 0:
                        self.save()
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)
            bar.close()
        self.save()
        if self.stop_signal is not None:
            if wandb_run is not None:
                wandb_run.finish(exit_code=1)
            name = signal.Signals(self.stop_signal).name
            raise Interrupted(f"{name} at step {self.global_step} of {self.total}: checkpoint written; "
                              f"continue with: seqgan-gumbel train --resume {self.out}", self.stop_signal)
        spread = distributed.weight_spread(self.dist, [self.gen, self.disc], self.device)
        if not main:
            distributed.barrier(self.dist)       # wait for the first process's samples and summary
            return {"rank": self.dist.rank, "weight_spread": spread}
        summary = self._finish()
        if self.dist.active:
            summary["processes"] = self.dist.world
            summary["weight_spread"] = spread    # max |weights - first process's|: 0 when in step
            (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            distributed.barrier(self.dist)
        if wandb_run is not None:
            wandb_run.summary.update({k: v for k, v in summary.items() if isinstance(v, (int, float))})
            wandb_run.finish()
        return summary

    def _finish(self) -> dict:
        tr, data, vocab = self.cfg.train, self.data, self.data.vocab
        ids = draw_ids(self.gen, tr.num_samples)
        samples = [vocab.decode(r) for r in ids.tolist()]
        write_lines(self.out / "samples.txt", (vocab.text(s) for s in samples))
        summary = {"wall_s": round(time.perf_counter() - self.start_time, 2),
                   "device": str(self.device), "threads": torch.get_num_threads(),
                   "mle_steps": self.mle_steps, "adv_steps": tr.adv_steps, "data": data.stats}
        if self.early_stopped_at is not None:
            summary["mle_early_stopped_at"] = self.early_stopped_at
        if self.grammar is not None:
            summary["samples"] = grammar_scores(samples, self.grammar, data.sequences)
        if data.oracle is not None:
            summary["nll_oracle"] = data.oracle.nll(ids - N_SPECIALS)
        if data.test_ids is not None:
            summary["nll_test"] = generator_nll(self.gen, data.test_ids, vocab.pad)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if self.cfg.log.report:
            from .plots import run_report

            run_report(self.out)
        return summary

    def _start_wandb(self, resumed: bool):
        if not self.cfg.log.wandb:
            return None
        try:
            import wandb
        except ImportError:
            raise UserError("log.wandb is set but wandb is not installed: pip install 'seqgan_gumbel[wandb]'") from None
        return wandb.init(project=self.cfg.log.wandb_project, config=self.cfg.to_dict(), dir=str(self.out),
                          name=self.out.name, resume="allow" if resumed else None)

    # ------------------------------------------------------------ checkpoints
    def save(self) -> None:
        if not self.dist.main:
            return
        state = self._generator_state()
        state.update({
            "discriminator": self.disc.state_dict(),
            "opt_mle": self.opt_mle.state_dict(), "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "global_step": self.global_step, "mle_steps": self.mle_steps, "total_steps": self.total,
            "rng_cpu": torch.get_rng_state(),
            # This process's GPU: under torchrun every process's generator is in the same state.
            "rng_cuda": torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None,
            "stream": self.stream.state_dict(),
            "best": self.best,
        })
        save_checkpoint(self.out / CHECKPOINT_NAME, state)

    def restore(self, state: dict) -> None:
        if tuple(state["vocab"]) != self.data.vocab.tokens:
            raise UserError(f"the data rebuilt from {self.out}'s config gives another vocabulary than the "
                            f"checkpoint's; the data files changed since the run started")
        self.gen.load_state_dict(state["generator"])
        self.disc.load_state_dict(state["discriminator"])
        self.opt_mle.load_state_dict(state["opt_mle"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.global_step, self.mle_steps = int(state["global_step"]), int(state["mle_steps"])
        self.total = self.mle_steps + self.cfg.train.adv_steps
        self.stream.load_state_dict(state["stream"])
        self.best = state.get("best")
        torch.set_rng_state(state["rng_cpu"])
        cuda_rng = state.get("rng_cuda")
        if isinstance(cuda_rng, list):          # older checkpoints kept every GPU's state
            cuda_rng = cuda_rng[0] if cuda_rng else None
        if cuda_rng is not None and self.device.type == "cuda":
            torch.cuda.set_rng_state(cuda_rng, self.device)


def _truncate_metrics(path: Path, global_step: int) -> None:
    """Drop logged rows past the checkpoint: the resumed run logs those steps again."""
    if not path.is_file():
        return
    keep = [l for l in path.read_text(encoding="utf-8").splitlines()
            if l.strip() and json.loads(l).get("global_step", 0) <= global_step]
    path.write_text("".join(l + "\n" for l in keep), encoding="utf-8")


def set_threads(cfg: Config, dist: distributed.Dist) -> None:
    """train.threads, or under torchrun on CPUs the cores shared out among the local processes
    (more threads than cores makes OpenMP's waiting threads spin against each other)."""
    if cfg.train.threads > 0:
        torch.set_num_threads(cfg.train.threads)
    elif dist.active and not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // dist.local_world))


def train(cfg: Config, out: str | Path, *, overwrite: bool = False, progress: bool = True,
          dist: distributed.Dist | None = None) -> dict:
    """Train one run into the directory `out`; everything a user can get wrong is checked first.
    dist: this process's place in a torchrun launch (None: a single process)."""
    out, dist = Path(out), dist or distributed.Dist()
    set_threads(cfg, dist)
    trainer = Trainer(cfg, out, progress=progress, dist=dist)  # loads data, builds models: may raise UserError
    check_run_dir(out, overwrite)
    if dist.main:
        prepare_run_dir(out, overwrite)
    distributed.barrier(dist)
    return trainer.run()


def resume(run_or_checkpoint: str | Path, overrides: list[str] | None = None, *, progress: bool = True,
           dist: distributed.Dist | None = None) -> dict:
    """Continue a stopped run from its newest checkpoint (or the given checkpoint file)."""
    from .config import apply_overrides, from_dict

    p = Path(run_or_checkpoint)
    out = p if p.is_dir() else p.parent
    state = load_checkpoint(p)
    if "opt_g" not in state:
        raise UserError(f"{p} is a generator-only checkpoint (pretrained.pt), not a run to resume")
    cfg = from_dict(state["config"], "checkpoint config")
    apply_overrides(cfg, overrides or [])
    dist = dist or distributed.Dist()
    set_threads(cfg, dist)
    trainer = Trainer(cfg, out, progress=progress, dist=dist)
    trainer.restore(state)
    if trainer.global_step >= trainer.total and (out / "summary.json").is_file():
        raise UserError(f"run {out} is already complete ({trainer.global_step} steps); "
                        f"raise train.adv_steps with --set to train further")
    if dist.main:
        _truncate_metrics(out / "metrics.jsonl", trainer.global_step)
    distributed.barrier(dist)
    return trainer.run(resumed=True)
