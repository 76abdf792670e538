"""The training loop: maximum-likelihood warm-up, then adversarial training through Gumbel-softmax
(or by REINFORCE: training/reinforce.py).
Every step has a global index (warm-up steps first, then adversarial iterations). A checkpoint
holds everything the next step depends on: weights, optimizer states, the random-number
generators, the position in the data and the warm-up's best generator, so a run resumed from
any checkpoint ends bit-identical (on the CPU) to the same run never stopped.
"""
from __future__ import annotations

import contextlib
import math
import signal
import time
from pathlib import Path

import torch

from seqgan_gumbel.training import distributed
from seqgan_gumbel.training.averaging import WeightAverage
from seqgan_gumbel.config.schema import Config
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.training.fakes import FakeBatches
from seqgan_gumbel.models.generator import one_hot
from seqgan_gumbel.kinds import KINDS
from seqgan_gumbel.models import critics
from seqgan_gumbel.models.losses import discriminator_loss, gradient_penalty
from seqgan_gumbel.models.drawing import draw_ids, generator_nll
from seqgan_gumbel.setup.runs import (build_discriminator, build_generator, check_device_features, load_pretrained,
                                      resolve_device)
from seqgan_gumbel.training.rundir import NullFiles, RunFiles
from seqgan_gumbel.training.runlog import RunLog, SilentLog
from seqgan_gumbel.models.schedules import lr_factor, temperature as relaxation_tau
from seqgan_gumbel.training import checkpoints, gstep
from seqgan_gumbel.training.reinforce import ScoreFunction
from seqgan_gumbel.training.stopping import Interrupted, StopSignals, check_loss, check_weights, stop_at_once
from seqgan_gumbel.training.warmup import EarlyStopping


class Trainer:
    """Owns the models, optimizers and data stream of one run."""

    def __init__(self, cfg: Config, out: Path, *, progress: bool = True, dist: distributed.Dist | None = None):
        self.cfg, self.out = cfg, out
        self.dist = dist = dist or distributed.Dist()
        distributed.set_threads(cfg, dist)               # first: threads can change float results
        tr = cfg.train
        if dist.active and tr.mle_patience > 0:
            raise UserError("train.mle_patience (early stopping) is not available under torchrun; "
                            "set it to 0 or pre-train in one process and pass train.init_generator")
        self.device = resolve_device(tr.device, dist.local_rank if dist.active else None)
        distributed.start(dist, self.device, tr.batch_size)
        self.shard = dist.shard(tr.batch_size)           # this process's rows of each global batch
        self.kind = KINDS.get(cfg.data.kind).from_config(cfg, self.device)
        # The validation split is carved here, once for every kind (registered ones too).
        self.data = self.kind.data.carve_validation(cfg.data.validation_fraction, tr.seed)
        self.ids = self.data.ids.to(self.device)         # the training data lives on the device
        check_device_features(tr, self.device)
        torch.manual_seed(tr.seed)
        vocab = self.data.vocab
        self.gen = build_generator(cfg, vocab, self.data.seq_len, self.data.banned).to(self.device)
        self.disc = build_discriminator(cfg, vocab).to(self.device)
        betas = (tr.beta1, tr.beta2)
        self.opt_mle = torch.optim.Adam(self.gen.parameters(), lr=tr.mle_lr)
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=tr.g_lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=tr.d_lr, betas=betas)
        self.average = WeightAverage(self.gen, tr.g_average)
        rows = tr.batch_size // dist.world                  # this process's rows of each batch
        self.reinforce = ScoreFunction(tr, self.gen, self.disc, rows, self.shard, self._autocast)
        self.fakes = FakeBatches(self.gen, rows, cfg.generator.feedback,
                                 cfg.discriminator.input, self.shard, self._autocast, tr.cuda_graphs,
                                 tr.precision == "bf16")
        self.stream = self.data.batches(tr.batch_size, tr.seed)
        self.mle_steps = (math.ceil(tr.mle_epochs * self.stream.batches_per_epoch) if tr.mle_epochs > 0
                          else tr.mle_steps)
        if tr.init_generator:
            load_pretrained(self.gen, tr.init_generator, self.data.vocab)
            self.mle_steps = 0
        self.total = self.mle_steps + tr.adv_steps
        self.global_step = 0
        self.warmup = EarlyStopping(tr.mle_patience)
        self.files = RunFiles(out) if dist.main else NullFiles()
        self.progress, self.start_time, self._where = progress, time.perf_counter(), "start"

    # ------------------------------------------------------------ checkpoints
    def generator_state(self) -> dict:
        """What `sample --run` and train.init_generator need of the generator (checkpoints.py)."""
        return checkpoints.generator_state(self)

    def save(self) -> None:
        """A checkpoint, once every weight is finite (a huge step can overflow them with a finite loss)."""
        check_weights({"generator": self.gen, "discriminator": self.disc}, self._where, self.out)
        self.files.checkpoint(lambda: checkpoints.training_state(self))

    def restore(self, state: dict) -> None:
        """Go on from a checkpoint of this run (checkpoints.restore)."""
        checkpoints.restore(self, state)

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

    def adversarial_step(self, tau: float, measure: bool = False) -> dict:
        """d_steps critic steps on fakes drawn without a graph, then g_steps generator steps
        through the relaxation at temperature tau (or by REINFORCE: train.estimator); measure:
        first estimate the generator gradient's variance (train.grad_variance batches)."""
        tr, V, pad, d = self.cfg.train, len(self.data.vocab), self.data.vocab.pad, self.cfg.discriminator
        for _ in range(tr.d_steps):
            real = self._next_real()                   # token ids: embedded by lookup in the critic
            fake = self.fakes(tau, need_grad=False)
            with self._autocast():
                d_real, d_fake = (critics.loss_scores(self.disc, x, d.prefix_loss) for x in (real, fake))
            d_loss = discriminator_loss(tr.loss, d_real.float(), d_fake.float())   # losses in fp32
            if tr.loss == "wgan-gp" and tr.gp_weight > 0:
                dense_fake = one_hot(fake, V, pad) if fake.dtype == torch.long else fake
                d_loss = d_loss + tr.gp_weight * gradient_penalty(self.disc, one_hot(real, V, pad), dense_fake)
            if d.l2 > 0:
                d_loss = d_loss + d.l2 * critics.l2_penalty(self.disc)
            self._check(d_loss, "discriminator")
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self._clip_step(self.opt_d, self.disc.parameters())
        self.disc.requires_grad_(False)
        try:
            spread = gstep.gradient_variance(self, tau, tr.grad_variance) if measure and tr.grad_variance else {}
            for _ in range(tr.g_steps):
                g_loss = gstep.loss(self, tau)
                self._check(g_loss, "generator")
                self.opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                self._clip_step(self.opt_g, self.gen.parameters())
        finally:
            self.disc.requires_grad_(True)
        self.average.update(self.gen)
        d_mean, g_mean = distributed.mean_of(self.dist, [d_loss.item(), g_loss.item()], self.device)
        return {"d_loss": d_mean, "g_loss": g_mean, "tau": tau, **spread}

    def _check(self, loss: torch.Tensor, what: str) -> None:
        check_loss(loss, what, self._where, self.out)

    def _texts(self, ids: torch.Tensor) -> list[str]:
        vocab = self.data.vocab
        return [vocab.text(vocab.decode(r)) for r in ids.tolist()]

    def evaluate(self) -> dict:
        """The data kind's quick figures on freshly drawn samples (and the held-out NLL), drawn
        from a forked random stream so that evaluating never changes what training draws."""
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            gen, val = self.average.sampler(self.gen), self.data.val_ids
            ids = draw_ids(gen, self.cfg.train.eval_samples)
            scores = self.kind.quick_figures(self._texts(ids), gen, self.cfg.train.eval_test)
            if val is not None:          # the whole validation split: early stopping reads it
                scores["nll_validation"] = generator_nll(gen, val, self.data.vocab.pad)
            return scores

    # ------------------------------------------------------------- the run
    def run(self, resumed: bool = False) -> dict:
        """Warm-up steps, then adversarial iterations, each logged, evaluated and checkpointed
        on schedule; a stop signal ends the run at the end of its step with a checkpoint."""
        if not resumed:
            self.files.write_start(self.cfg, self.kind)
        log = (RunLog(self.out, self.cfg, self.total, self.global_step, self.progress, resumed)
               if self.dist.main else SilentLog())
        every = self.cfg.train.checkpoint_every
        with log, StopSignals(self.dist, self.device) as signals:
            if self.global_step == 0 and log.live:
                self._record(log, "init", 0, {})                   # the untrained generator
            while self.global_step < self.total and signals.received is None:
                phase, local = self._phase()
                figures = self._step(phase, local)
                self.global_step += 1
                if log.live and self._logged(phase, local):
                    self._record(log, phase, local, figures)
                signals.agree()
                log.advance(phase, self._after_warmup_step() if phase == "mle" else 1)
                if every and self.global_step % every == 0:
                    self.save()
        self.save()
        if signals.received is not None:
            log.finish(None)
            raise Interrupted(f"{signal.Signals(signals.received).name} at step {self.global_step} of "
                              f"{self.total}: checkpoint written; continue with: seqgan-gumbel train "
                              f"--resume {self.out}", signals.received)
        with stop_at_once(self.out):
            return self._finish(log)

    def _phase(self) -> tuple[str, int]:
        """(phase, its step number counted from 1) of the step about to run."""
        if self.global_step < self.mle_steps:
            return "mle", self.global_step + 1
        return "adv", self.global_step - self.mle_steps + 1

    def _step(self, phase: str, local: int) -> dict:
        if phase == "mle":
            self._where = f"maximum-likelihood step {local}"
            return self.mle_step()
        self._where = f"adversarial step {local}"
        t, tr = self.cfg.relaxation, self.cfg.train
        share = lr_factor(tr.lr_decay, local - 1, tr.adv_steps)    # set every step: nothing to checkpoint
        for opt, lr in ((self.opt_g, tr.g_lr), (self.opt_d, tr.d_lr)):
            opt.param_groups[0]["lr"] = lr * share
        return self.adversarial_step(relaxation_tau(t.schedule, local - 1, tr.adv_steps, t.tau_start,
                                                    t.tau_end, t.rate or None), self._logged(phase, local))

    def _logged(self, phase: str, local: int) -> bool:
        last_of_phase = local == (self.mle_steps if phase == "mle" else self.cfg.train.adv_steps)
        return local % self.cfg.train.log_every == 0 or last_of_phase

    def _record(self, log, phase: str, local: int, figures: dict) -> None:
        scores = self.evaluate()
        log.row({"phase": phase, "step": local, "global_step": self.global_step, **figures, **scores,
                 "elapsed_s": round(time.perf_counter() - self.start_time, 3)})
        if phase == "mle":
            self.warmup.observe(scores, self.global_step, self.gen)

    def _after_warmup_step(self) -> int:
        """Stop the warm-up early when due; at its end keep its best generator and save it as
        pretrained.pt. Returns the number of steps done (more than one when stopped early)."""
        before = self.global_step - 1
        if self.global_step < self.mle_steps and self.warmup.due():
            self.warmup.restore_best(self.gen)
            self.warmup.stopped_at = self.global_step
            self.global_step = self.mle_steps
        if self.global_step == self.mle_steps:
            self.warmup.restore_best(self.gen)
            self.files.pretrained(self.generator_state)
        return self.global_step - before

    def _finish(self, log) -> dict:
        """samples.txt, summary.json and report.png, written by the first process."""
        spread = distributed.weight_spread(self.dist, [self.gen, self.disc], self.device)
        if not self.dist.main:
            distributed.barrier(self.dist)       # wait for the first process's samples and summary
            return {"rank": self.dist.rank, "weight_spread": spread}
        tr = self.cfg.train
        gen = self.average.sampler(self.gen)
        texts = self._texts(draw_ids(gen, tr.num_samples))
        self.files.samples(texts)
        summary = {"wall_s": round(time.perf_counter() - self.start_time, 2), "device": str(self.device),
                   "threads": torch.get_num_threads(), "mle_steps": self.mle_steps, "adv_steps": tr.adv_steps,
                   "data": self.data.stats}
        if self.warmup.stopped_at is not None:
            summary["mle_early_stopped_at"] = self.warmup.stopped_at
        summary.update(self.kind.summary_figures(texts, gen))
        if self.dist.active:
            summary.update(processes=self.dist.world, weight_spread=spread)   # spread: 0 when in step
        self.files.summary(summary)
        if self.cfg.log.report:
            self.files.report()
        distributed.barrier(self.dist)
        log.finish(summary)
        return summary
