"""Ways to sample a trained generator, each with the likelihood of what it actually samples.

    Plain      the generator at a sampling temperature T: p_T(x)
    Guided     the token-level guide: q(v | x_<t) proportional to p_T(v | x_<t) exp(G d(v | x_<t)),
               d the ratio model's increment r(x_<t v) - r(x_<t). One pass per sample and an exact,
               normalised likelihood. With the exact ratio and G = 1 it is p_data itself.
    SIR        sampling-importance-resampling: K candidates from p_T, one kept with probability
               proportional to w = exp(G r(x)). Its distribution is
               q_K(x) = p_T(x) K w(x) E[1 / (w(x) + sum of K - 1 other weights)],
               estimated by Monte Carlo with a standard error (delta method over the draws).
    Rejection  a candidate is kept with probability min(1, exp(G r(x) - M)), M an upper bound of
               G r estimated on a pilot draw plus a margin: q(x) = p_T(x) min(1, e^{G r - M}) / a,
               a the acceptance rate (estimated, with its standard error).

Every sampler has draw(num, seed) -> ([num, T] ids, stats) and held_out(ids) -> {"nll_test",
"nll_test_se"}: the per-token NLL (end token included) that the data kinds report as NLL_test.
"""
from __future__ import annotations

import math

import torch

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.models.decoding import Decoder, truncate
from seqgan_gumbel.models.generator import end_mask
from seqgan_gumbel.models.gumbel import categorical


def _real_count(ids: torch.Tensor, pad: int) -> int:
    return int((ids != pad).sum())


class Plain:
    name = "plain"

    def __init__(self, gen, temperature: float = 1.0, batch_size: int = 1000, *, top_k: int = 0, top_p: float = 1.0):
        if gen.z_dim > 0:
            raise UserError("density-ratio sampling needs a generator without latent noise (generator.z_dim = 0)")
        self.gen, self.temperature, self.batch_size = gen, temperature, batch_size
        self.decoder = Decoder(temperature, top_k, top_p)     # what each step's distribution goes through

    @torch.no_grad()
    def log_p(self, ids: torch.Tensor) -> torch.Tensor:
        """log p_T of each sequence [N] (float64)."""
        out = [-self.gen.token_nll(ids[s:s + self.batch_size], decoder=self.decoder).double()
               for s in range(0, ids.shape[0], self.batch_size)]
        return torch.cat(out)

    @torch.no_grad()
    def candidates(self, num: int) -> torch.Tensor:
        from seqgan_gumbel.models.drawing import draw_ids

        return draw_ids(self.gen, num, decoder=self.decoder, batch_size=self.batch_size)

    @torch.no_grad()
    def draw(self, num: int, seed: int | None = 0):
        if seed is not None:
            torch.manual_seed(seed)
        return self.candidates(num), {}

    @torch.no_grad()
    def held_out(self, ids: torch.Tensor) -> dict:
        return {"nll_test": -self.log_p(ids).sum().item() / _real_count(ids, self.gen.pad), "nll_test_se": 0.0}


class Guided(Plain):
    name = "guide"

    def __init__(self, gen, ratio, temperature: float = 1.0, strength: float = 1.0, batch_size: int = 1000, *,
                 top_k: int = 0, top_p: float = 1.0):
        super().__init__(gen, temperature, batch_size, top_k=top_k, top_p=top_p)
        self.ratio, self.strength = ratio, strength

    def _logits(self, gen_logits: torch.Tensor, inc: torch.Tensor) -> torch.Tensor:
        """The guided next-token logits, truncated to the decoder's top-k / top-p of the guided
        distribution itself."""
        logits = gen_logits.float() / self.temperature + self.strength * inc
        return truncate(logits, self.decoder.top_k, self.decoder.top_p) if self.decoder.truncates else logits

    @torch.no_grad()
    def _batch(self, b: int) -> torch.Tensor:
        """b guided sequences; rows that have emitted the end token leave the batch (as the plain
        sampler does on the CPU), so the cost follows the samples' lengths."""
        gen, device = self.gen, self.gen.embedding.weight.device
        prev = torch.full((b,), gen.bos, dtype=torch.long, device=device)
        tokens = torch.full((b, gen.seq_len), gen.pad, dtype=torch.long, device=device)
        rows = torch.arange(b, device=device)
        g_state, r_state = None, self.ratio.start(b)
        for t in range(gen.seq_len):
            hidden, g_state = gen.lstm(gen.embedding(prev).unsqueeze(1), g_state)
            inc, r_state = self.ratio.step(prev, r_state)
            prev = categorical(self._logits(gen._project(hidden[:, 0]), inc))
            tokens[rows, t] = prev
            alive = prev != gen.eos
            if not bool(alive.all()):
                rows, prev = rows[alive], prev[alive]
                g_state = (g_state[0][:, alive], g_state[1][:, alive])
                r_state = self.ratio.select(r_state, alive)
                if rows.numel() == 0:
                    break
        return tokens.masked_fill(end_mask(tokens, gen.eos) == 0, gen.pad).cpu()

    @torch.no_grad()
    def candidates(self, num: int) -> torch.Tensor:
        return torch.cat([self._batch(min(self.batch_size, num - s)) for s in range(0, num, self.batch_size)])

    @torch.no_grad()
    def log_p(self, ids: torch.Tensor) -> torch.Tensor:
        """Exact log q of each sequence: the teacher-forced guided next-token distributions."""
        out = []
        for s in range(0, ids.shape[0], self.batch_size):
            x = ids[s:s + self.batch_size]
            hidden = self.gen._hidden(x, None)                       # [B, T, H]; projected a step at a time
            total = torch.zeros(x.shape[0], dtype=torch.float64)
            state, prev = self.ratio.start(x.shape[0]), torch.full_like(x[:, 0], self.gen.bos)
            for t in range(x.shape[1]):
                inc, state = self.ratio.step(prev, state)
                logq = torch.log_softmax(self._logits(self.gen._project(hidden[:, t]), inc), dim=-1)
                real = x[:, t] != self.gen.pad
                picked = logq.gather(1, x[:, t:t + 1].clamp(min=0)).squeeze(1)
                total += torch.where(real, picked, 0.0).double()      # padding is -inf: not multiplied
                prev = x[:, t]
            out.append(total)
        return torch.cat(out)


class SIR(Plain):
    name = "sir"

    def __init__(self, gen, ratio, temperature: float = 1.0, strength: float = 1.0, candidates: int = 8,
                 batch_size: int = 1000, mc_draws: int = 2000, *, top_k: int = 0, top_p: float = 1.0):
        super().__init__(gen, temperature, batch_size, top_k=top_k, top_p=top_p)
        self.ratio, self.strength, self.k, self.mc_draws = ratio, strength, candidates, mc_draws

    @torch.no_grad()
    def weights(self, ids: torch.Tensor) -> torch.Tensor:
        """G r(x) of each sequence [N], float64 (the log weights)."""
        out = [self.ratio.logit(ids[s:s + self.batch_size]).double() for s in range(0, ids.shape[0], self.batch_size)]
        return self.strength * torch.cat(out)

    @torch.no_grad()
    def draw(self, num: int, seed: int | None = 0):
        if seed is not None:
            torch.manual_seed(seed)
        pool = super().candidates(num * self.k)
        logw = self.weights(pool).view(num, self.k)
        logw = torch.where(torch.isinf(logw).all(1, keepdim=True), 0.0, logw)   # all weights 0: any one
        pick = categorical(logw)
        ids = pool.view(num, self.k, -1)[torch.arange(num), pick]
        w = torch.softmax(logw, dim=1)
        ess = (1.0 / (w ** 2).sum(1)).mean().item()
        return ids, {"candidates": self.k, "ess": ess, "ess_fraction": ess / self.k}

    @torch.no_grad()
    def held_out(self, ids: torch.Tensor, seed: int = 12345) -> dict:
        """NLL of q_K, E[1 / (w + S)] over mc_draws sums S of K - 1 fresh candidates' weights."""
        log_p, logw = self.log_p(ids), self.weights(ids)
        count = _real_count(ids, self.gen.pad)
        if self.k == 1:
            return {"nll_test": -log_p.sum().item() / count, "nll_test_se": 0.0}
        with torch.random.fork_rng(devices=[]):          # its own draws: the caller's stream is left alone
            torch.manual_seed(seed)
            others = self.weights(super().candidates(self.mc_draws * (self.k - 1))).view(self.mc_draws, self.k - 1)
        log_s = torch.logsumexp(others, dim=1)                                   # [M]
        total, influence = 0.0, torch.zeros(self.mc_draws, dtype=torch.float64)
        for s in range(0, ids.shape[0], 500):
            lw = logw[s:s + 500]
            log_y = -torch.logaddexp(lw[:, None], log_s[None, :])                # log 1 / (w + S)  [n, M]
            log_mean = torch.logsumexp(log_y, 1) - math.log(self.mc_draws)
            total += (log_p[s:s + 500] + math.log(self.k) + lw + log_mean).sum().item()
            influence += torch.exp(log_y - log_mean[:, None]).sum(0)            # y / mean, per draw
        se = (influence / count).std().item() / math.sqrt(self.mc_draws)
        return {"nll_test": -total / count, "nll_test_se": se}


class Rejection(SIR):
    name = "rejection"

    def __init__(self, gen, ratio, temperature: float = 1.0, strength: float = 1.0, *, pilot: int = 10000,
                 margin: float = 1.0, bound: float | None = None, max_factor: int = 200, batch_size: int = 1000,
                 top_k: int = 0, top_p: float = 1.0):
        super().__init__(gen, ratio, temperature, strength, 1, batch_size, top_k=top_k, top_p=top_p)
        self.pilot, self.margin, self.bound, self.max_factor = pilot, margin, bound, max_factor
        self.accept_sum, self.tried = 0.0, 0

    def _accept_prob(self, logw: torch.Tensor) -> torch.Tensor:
        return torch.exp((logw - self.bound).clamp(max=0.0))

    def _fit_bound(self) -> None:
        logw = self.weights(Plain.candidates(self, self.pilot))
        if self.bound is None:
            self.bound = logw.max().item() + self.margin
        a = self._accept_prob(logw)
        self.accept_sum, self.tried = a.sum().item(), logw.numel()
        self._accept_sq = (a ** 2).sum().item()

    @property
    def acceptance(self) -> float:
        return self.accept_sum / max(self.tried, 1)

    @torch.no_grad()
    def draw(self, num: int, seed: int | None = 0):
        if seed is not None:
            torch.manual_seed(seed)
        if self.tried == 0:
            self._fit_bound()
        if self.acceptance * self.max_factor < 1:
            raise UserError(f"rejection sampling accepts {self.acceptance:.2e} of the candidates at strength "
                            f"{self.strength:g}: lower --strength, or use --filter sir or --guide")
        kept, n_kept, tried = [], 0, 0
        while n_kept < num:
            pool = Plain.candidates(self, min(self.batch_size * 10, max(64, int(1.2 * (num - n_kept) / self.acceptance))))
            ok = torch.rand(pool.shape[0], dtype=torch.float64) < self._accept_prob(self.weights(pool))
            kept.append(pool[ok])
            n_kept, tried = n_kept + int(ok.sum()), tried + pool.shape[0]
        return torch.cat(kept)[:num], {"acceptance": n_kept / tried, "bound": self.bound, "tried": tried}

    @torch.no_grad()
    def held_out(self, ids: torch.Tensor, seed: int = 12345) -> dict:
        if self.tried == 0:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                self._fit_bound()
        log_q = self.log_p(ids) + (self.weights(ids) - self.bound).clamp(max=0.0) - math.log(self.acceptance)
        count = _real_count(ids, self.gen.pad)
        a = self.acceptance
        sd = math.sqrt(max(self._accept_sq / self.tried - a * a, 0.0))
        se = ids.shape[0] / count * sd / (a * math.sqrt(self.tried))   # d log a = da / a
        return {"nll_test": -log_q.sum().item() / count, "nll_test_se": se}


def check_options(strength: float, candidates: int) -> None:
    if not math.isfinite(strength) or strength < 0:
        raise UserError(f"--strength must be a finite number >= 0, got {strength}")
    if candidates < 1:
        raise UserError(f"--candidates must be at least 1, got {candidates}")


def make_sampler(gen, ratio=None, *, temperature: float = 1.0, method: str = "plain", strength: float = 1.0,
                 candidates: int = 8, top_k: int = 0, top_p: float = 1.0):
    """The sampler a user asks for: plain, guide, sir or rejection (the last three need a ratio),
    each step's distribution truncated to top_k / top_p (the guided distribution, for the guide)."""
    check_options(strength, candidates)
    cut = {"top_k": top_k, "top_p": top_p}
    if method == "plain":
        return Plain(gen, temperature, **cut)
    if ratio is None:
        raise UserError(f"{method} sampling needs a ratio model: run seqgan-gumbel fit-ratio --run DIR first")
    if method == "guide":
        return Guided(gen, ratio, temperature, strength, **cut)
    if method == "sir":
        return SIR(gen, ratio, temperature, strength, candidates, **cut)
    if method == "rejection":
        return Rejection(gen, ratio, temperature, strength, **cut)
    raise UserError(f"unknown sampling method {method!r}; choose plain, guide, sir or rejection")
