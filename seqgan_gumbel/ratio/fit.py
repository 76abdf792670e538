"""Fitting a prefix-ratio model to a finished run: logistic classification of real sequences the
generator never trained on against the frozen generator's own samples at one sampling temperature.

Real sequences: fresh draws of the oracle (an endless stream, seeded apart from the run's training
and test draws); for grammars and corpora the run's validation split (validation.txt, carved from
the training data when the run was made; never the test split). A part of them, and as many
generated sequences, are kept out: the first half picks the step to keep (early stopping on
the held-out logistic loss), the second half calibrates (one scale and bias, so that the logit
estimates the log density ratio) and reports.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.ratio.model import PrefixRatio

INITS = ("generator", "scratch")
OBJECTIVES = ("sequence", "prefix")


@dataclass
class RatioConfig:
    temperature: float = 1.0       # the sampling temperature of the generator it is fitted against
    init: str = "generator"        # generator: start from its embedding and LSTM; scratch: random
    objective: str = "sequence"    # sequence: logistic loss of whole sequences; prefix: of every prefix
    freeze: bool = False           # train only the head on the generator's frozen embedding and LSTM
    hidden_dim: int = 0            # 0: the generator's (init generator needs it)
    emb_dim: int = 0               # 0: the generator's
    dropout: float = 0.0
    weight_decay: float = 0.0
    lr: float = 3e-3
    batch_size: int = 128          # real and as many generated sequences per step
    steps: int = 2000
    eval_every: int = 100
    patience: int = 4              # evaluations without a better held-out loss before stopping
    held_out: int = 2000           # real sequences kept out (half to stop, half to calibrate)
    pool: int = 20000              # fresh sequences drawn at a time (oracle draws; generated ones)
    passes: int = 1                # passes over each pool before fresh draws replace it (drawing is
                                   # most of the cost, the model itself trains in ~0.03 s a step; but a
                                   # second pass over 40,000 sequences already fits worse than fresh ones)
    seed: int = 0

    def check(self) -> None:
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise UserError(f"--temperature must be a positive number, got {self.temperature}")
        if self.init not in INITS or self.objective not in OBJECTIVES:
            raise UserError(f"ratio init must be one of {INITS} and objective one of {OBJECTIVES}")
        if self.freeze and self.init != "generator":
            raise UserError("a frozen ratio model keeps the generator's features: use init generator with freeze")
        if not (0 <= self.dropout < 1 and 0 <= self.weight_decay < math.inf and 0 < self.lr < math.inf):
            raise UserError("ratio dropout must be in [0, 1), weight decay >= 0 and the learning rate positive")
        if min(self.steps, self.batch_size, self.eval_every, self.patience, self.passes) < 1 or self.held_out < 4:
            raise UserError("ratio steps, batch size, eval_every, patience and passes must be >= 1, held_out >= 4")
        if self.pool < self.batch_size:
            raise UserError(f"the ratio pool ({self.pool}) must hold at least one batch ({self.batch_size})")


class RealSource:
    """Real sequences [N, T] of generator ids: fresh oracle draws, or a run's validation split."""

    def __init__(self, run, cfg: RatioConfig):
        self.run, self.seed, self.size, self.refills = run, cfg.seed, cfg.pool, 0
        self.oracle = run.kind().oracle if run.config.data.kind == "oracle" else None
        if self.oracle is None:
            ids = validation_ids(run)
            n_held = min(cfg.held_out, len(ids) // 3)
            if n_held < 2:
                raise UserError(f"the validation split of {run.directory} has {len(ids)} sequences: too few to "
                                f"fit a ratio model (give data.validation_fraction a larger share)")
            perm = torch.randperm(len(ids), generator=torch.Generator().manual_seed(cfg.seed))
            self.held, self.train = ids[perm[:n_held]], ids[perm[n_held:]]
        else:
            self.held, self.train = self._oracle(cfg.held_out, 0), None

    def _oracle(self, num: int, index: int) -> torch.Tensor:
        from seqgan_gumbel.data.vocab import N_SPECIALS

        # Seeds far from the run's own (oracle_seed * 2 + 1 and + 2): sequences never trained on.
        return self.oracle.sample(num, self.run.max_len, seed=7_000_003 + 1_000 * self.seed + index) + N_SPECIALS

    def fresh(self) -> torch.Tensor:
        if self.oracle is None:
            return self.train
        self.refills += 1
        return self._oracle(self.size, self.refills)


class Pool:
    """Batches cycled from a pool of sequences that fresh() replaces after `passes` passes."""

    def __init__(self, fresh, passes: int):
        self.fresh, self.passes, self.pool, self.order, self.next, self.done = fresh, passes, None, None, 0, 0

    def batch(self, size: int) -> torch.Tensor:
        if self.pool is not None:
            size = min(size, len(self.pool))         # a validation split smaller than a batch
        if self.pool is None or self.next + size > len(self.pool):
            if self.pool is None or self.done + 1 >= self.passes:
                self.pool, self.done = self.fresh(), 0
            else:
                self.done += 1
            self.order, self.next = torch.randperm(len(self.pool)), 0
            size = min(size, len(self.pool))
        self.next += size
        return self.pool[self.order[self.next - size:self.next]]


def validation_ids(run) -> torch.Tensor:
    """The run's validation split as generator ids [N, T]; a UserError when the run has none."""
    from seqgan_gumbel.data.corpus import read_sequences
    from seqgan_gumbel.metrics.text import encode_lines, read_text_lines

    path = run.directory / "validation.txt"
    if not path.is_file():
        raise UserError(f"run {run.directory} has no validation split (validation.txt) to fit a ratio model on; "
                        f"train it with --set data.validation_fraction=0.1")
    if run.tokenizer_json:
        return encode_lines(run, read_text_lines(path, "validation file", False))
    fixed = run.generator.seq_len == run.max_len
    return run.vocab.encode_batch(read_sequences(path, what="validation file"), run.generator.seq_len,
                                  end_token=not fixed)


def _loss(model: PrefixRatio, bias: torch.Tensor, real: torch.Tensor, fake: torch.Tensor, objective: str):
    """Logistic loss: real sequences (or prefixes) labelled 1, generated ones 0."""
    out = []
    for ids, sign in ((real, -1.0), (fake, 1.0)):
        inc = model.raw_increments(ids)
        if objective == "prefix":
            real_pos = (ids != model.pad).float()
            out.append((F.softplus(sign * inc.cumsum(1)) * real_pos).sum() / real_pos.sum())
        else:
            out.append(F.softplus(sign * (bias + inc.sum(1))).mean())
    return sum(out) / 2


@torch.no_grad()
def _scores(model: PrefixRatio, ids: torch.Tensor) -> torch.Tensor:
    return torch.cat([model.raw_increments(ids[s:s + 1000]).sum(1) for s in range(0, len(ids), 1000)])


def calibrate(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> tuple[float, float]:
    """(scale, bias) minimising the logistic loss of scale * score + bias on held-out pairs."""
    ab = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    real, fake = real_scores.double(), fake_scores.double()
    opt = torch.optim.LBFGS([ab], max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.softplus(-(ab[0] * real + ab[1])).mean() + F.softplus(ab[0] * fake + ab[1]).mean()
        loss.backward()
        return loss

    opt.step(closure)
    return float(ab[0].detach()), float(ab[1].detach())


def _held_figures(real_s, fake_s, scale, bias) -> dict:
    real_l, fake_l = scale * real_s + bias, scale * fake_s + bias
    loss = (F.softplus(-real_l).mean() + F.softplus(fake_l).mean()).item() / 2
    return {"loss": loss, "accuracy": ((real_l > 0).float().mean() + (fake_l <= 0).float().mean()).item() / 2,
            "real_called_fake": (real_l <= 0).float().mean().item()}


def new_model(run, cfg: RatioConfig) -> PrefixRatio:
    gen = run.generator
    hidden = cfg.hidden_dim or gen.lstm.hidden_size
    emb = cfg.emb_dim or gen.embedding.embedding_dim
    if cfg.init == "generator" and (hidden, emb) != (gen.lstm.hidden_size, gen.embedding.embedding_dim):
        raise UserError("a ratio model started from the generator takes the generator's sizes; "
                        "leave hidden_dim and emb_dim at 0, or use init scratch")
    model = PrefixRatio(gen.vocab_size, emb, hidden, gen.bos, gen.pad, cfg.dropout)
    if cfg.init == "generator":
        model.start_from(gen)
    for p in (*model.embedding.parameters(), *model.lstm.parameters()) if cfg.freeze else ():
        p.requires_grad_(False)
    return model


def fit_ratio(run, cfg: RatioConfig, progress: bool = False) -> tuple[PrefixRatio, dict]:
    """A calibrated prefix-ratio model of the run's generator at cfg.temperature, and its report."""
    from tqdm import tqdm

    from seqgan_gumbel.models.drawing import draw_ids

    cfg.check()
    began = time.time()
    torch.manual_seed(cfg.seed)
    gen = run.generator.eval()
    source = RealSource(run, cfg)
    real = Pool(source.fresh, cfg.passes if source.oracle is not None else 1)
    fakes = Pool(lambda: draw_ids(gen, cfg.pool, temperature=cfg.temperature), cfg.passes)
    n_held = len(source.held)
    fake_held = draw_ids(gen, n_held, temperature=cfg.temperature)
    half = n_held // 2
    model = new_model(run, cfg)
    bias = torch.zeros((), requires_grad=True)
    trained = [p for p in model.parameters() if p.requires_grad] + [bias]
    opt = torch.optim.AdamW(trained, lr=cfg.lr, weight_decay=cfg.weight_decay)
    best, best_step, bad, curve = (math.inf, None), 0, 0, []
    bar = tqdm(range(1, cfg.steps + 1), desc="fit-ratio", unit="step", disable=not progress)
    for step in bar:
        model.train()
        loss = _loss(model, bias, real.batch(cfg.batch_size), fakes.batch(cfg.batch_size), cfg.objective)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % cfg.eval_every and step != cfg.steps:
            continue
        model.eval()
        held = _held_figures(_scores(model, source.held[:half]), _scores(model, fake_held[:half]), 1.0, bias.item())
        curve.append({"step": step, "train_loss": loss.item(), **{f"held_{k}": v for k, v in held.items()}})
        bar.set_postfix(held_loss=f"{held['loss']:.4f}")
        if held["loss"] < best[0]:
            best, best_step, bad = (held["loss"], copy.deepcopy(model.state_dict())), step, 0
        else:
            bad += 1
            if bad >= cfg.patience:
                break
    model.load_state_dict(best[1])
    model.eval()
    real_s, fake_s = _scores(model, source.held[half:]), _scores(model, fake_held[half:])
    scale, shift = calibrate(real_s, fake_s)
    model.scale.fill_(scale)
    model.bias.fill_(shift)
    report = {"config": asdict(cfg), "best_step": best_step, "steps_run": curve[-1]["step"],
              "held_loss_stop": best[0], "calibrated": _held_figures(real_s, fake_s, scale, shift),
              "uncalibrated": _held_figures(real_s, fake_s, 1.0, 0.0), "scale": scale, "bias": shift,
              "n_held_out": n_held, "seconds": time.time() - began, "curve": curve}
    return model, report


def fit_and_save(run, cfg: RatioConfig, progress: bool = False) -> dict:
    """Fit the run's ratio model, save it (ratio.pt, ratio.json) and return its report."""
    from seqgan_gumbel.ratio.model import save_ratio

    model, report = fit_ratio(run, cfg, progress=progress)
    save_ratio(run, model, report)
    return report
