"""Density-ratio models: r(x) = log p_data(x) - log p_G(x), the log ratio of the data's density to
a frozen generator's (at one sampling temperature), for whole sequences and for every prefix.

Both models here answer the same three questions:
    token_increments(tokens) [B, T]  r(x_<=t) - r(x_<t) of the tokens actually there (0 at padding)
    logit(tokens)            [B]     the sequence's log ratio estimate: bias + scale * their sum
    start(batch) / step(prev, state) the increment for every possible next token [B, V] at once,
                                     scaled, for the token-level guide (samplers.Guided)

PrefixRatio is learned (ratio/fit.py): an LSTM whose vocabulary-sized head gives the increments,
so a sequence's logit is the sum of its per-step increments and one pass scores every prefix.
ExactRatio is the truth where it is known (the SeqGAN oracle): log p_oracle - log p_T, step by
step; it is the ceiling a perfect ratio model gives.
"""
from __future__ import annotations

import hashlib

import torch
from torch import nn

from seqgan_gumbel.errors import UserError

RATIO_FILE = "ratio.pt"


class PrefixRatio(nn.Module):
    """LSTM prefix-ratio model. The head starts at zero: an untrained model says p_data = p_G."""

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, bos: int, pad: int,
                 dropout: float = 0.0):
        super().__init__()
        self.vocab_size, self.bos, self.pad = vocab_size, bos, pad
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_dim, vocab_size)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        # The calibration (fitted on held-out pairs after training): logit = bias + scale * sum.
        self.register_buffer("scale", torch.ones(()))
        self.register_buffer("bias", torch.zeros(()))

    def start_from(self, gen) -> None:
        """Copy the generator's embedding and LSTM (its features); the head stays at zero."""
        self.embedding.load_state_dict(gen.embedding.state_dict())
        self.lstm.load_state_dict(gen.lstm.state_dict())

    def _hidden(self, tokens: torch.Tensor) -> torch.Tensor:
        start = torch.full_like(tokens[:, :1], self.bos)
        inputs = torch.cat([start, tokens[:, :-1]], dim=1)
        hidden, _ = self.lstm(self.drop(self.embedding(inputs)))
        return self.drop(hidden)

    def raw_increments(self, tokens: torch.Tensor) -> torch.Tensor:
        """Uncalibrated increments of the tokens there [B, T], 0 at padding: h_t . W[x_t] + b[x_t]
        (the [B, T, V] projection is never formed)."""
        hidden = self._hidden(tokens)
        safe = tokens.clamp(min=0)
        inc = (hidden * self.head.weight[safe]).sum(-1) + self.head.bias[safe]
        return inc * (tokens != self.pad)

    def token_increments(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.scale * self.raw_increments(tokens)

    def logit(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.bias + self.token_increments(tokens).sum(1)

    def start(self, batch: int):
        return None

    @staticmethod
    def select(state, keep: torch.Tensor):
        """The state of the rows kept (a boolean mask over the batch)."""
        return None if state is None else (state[0][:, keep], state[1][:, keep])

    def step(self, prev: torch.Tensor, state):
        """(increments [B, V] for every next token, calibrated; the new state) after reading prev [B]
        (the start token first)."""
        hidden, state = self.lstm(self.embedding(prev).unsqueeze(1), state)
        return self.scale * self.head(hidden[:, 0]), state


class ExactRatio:
    """log p_oracle - log p_T for a generator whose id k + offset is oracle token k (the oracle
    kind's vocabulary). Tokens the generator never emits get increment 0 (p_T is 0 there)."""

    scale, bias = 1.0, 0.0

    def __init__(self, oracle, gen, temperature: float = 1.0, offset: int | None = None):
        from seqgan_gumbel.data.vocab import N_SPECIALS

        self.oracle, self.gen, self.temperature = oracle, gen, temperature
        self.offset = N_SPECIALS if offset is None else offset
        if gen.vocab_size != oracle.vocab_size + self.offset:
            raise UserError("the exact ratio needs a generator trained on this oracle's tokens")

    def _increments(self, oracle_logits: torch.Tensor, gen_logits: torch.Tensor) -> torch.Tensor:
        log_t = torch.log_softmax(gen_logits.float() / self.temperature, dim=-1)
        out = torch.zeros_like(log_t)
        out[:, self.offset:] = torch.log_softmax(oracle_logits, dim=-1) - log_t[:, self.offset:]
        return out.masked_fill(torch.isinf(log_t), 0.0)

    @torch.no_grad()
    def token_increments(self, tokens: torch.Tensor) -> torch.Tensor:
        o = self.oracle
        h, c = o._zeros(tokens.shape[0])
        prev = torch.zeros(tokens.shape[0], dtype=torch.long, device=tokens.device)
        gen_hidden = self.gen._hidden(tokens, None)          # [B, T, H]; projected a step at a time
        out = []
        for t in range(tokens.shape[1]):
            h, c, logits = o._step(o.embedding[prev], h, c)
            inc = self._increments(logits, self.gen._project(gen_hidden[:, t]))
            out.append(inc.gather(1, tokens[:, t:t + 1].clamp(min=0)).squeeze(1))
            prev = (tokens[:, t] - self.offset).clamp(min=0)
        return torch.stack(out, 1) * (tokens != self.gen.pad)

    def logit(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.token_increments(tokens).sum(1)

    def start(self, batch: int):
        h, c = self.oracle._zeros(batch)
        return h, c, None

    @staticmethod
    def select(state, keep: torch.Tensor):
        h, c, g = state
        return h[keep], c[keep], None if g is None else (g[0][:, keep], g[1][:, keep])

    @torch.no_grad()
    def step(self, prev: torch.Tensor, state):
        o = self.oracle
        h, c, gen_state = state
        oracle_prev = (prev - self.offset).clamp(min=0)      # the start token reads oracle token 0
        h, c, logits = o._step(o.embedding[oracle_prev], h, c)
        hidden, gen_state = self.gen.lstm(self.gen.embedding(prev).unsqueeze(1), gen_state)
        return self._increments(logits, self.gen._project(hidden[:, 0])), (h, c, gen_state)


class GrammarRatio:
    """log p_grammar(x) - log p_T(x) of whole sequences (-inf outside the language): the exact ratio
    where the data is a grammar. It scores whole sequences only (no prefix increments), so it
    serves SIR and rejection, not the guide."""

    scale, bias = 1.0, 0.0

    def __init__(self, grammar, gen, vocab, temperature: float = 1.0):
        self.grammar, self.gen, self.vocab, self.temperature = grammar, gen, vocab, temperature

    @torch.no_grad()
    def logit(self, tokens: torch.Tensor) -> torch.Tensor:
        log_t = -self.gen.token_nll(tokens, temperature=self.temperature).double()
        log_data = torch.tensor([-self.grammar.nll(self.vocab.decode(r)) for r in tokens.tolist()],
                                dtype=torch.float64)
        return log_data - log_t


def generator_digest(gen) -> str:
    """A fingerprint of a generator's weights: a ratio model is valid for this generator only."""
    h = hashlib.sha256()
    for name, tensor in sorted(gen.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:32]


def save_ratio(run, model: PrefixRatio, report: dict) -> None:
    """ratio.pt in the run directory, written atomically, tied to this generator and vocabulary;
    its report beside it as ratio.json."""
    from seqgan_gumbel.storage.checkpoint import save_checkpoint

    state = {"kind": "ratio", "vocab": list(run.vocab.tokens), "generator_digest": generator_digest(run.generator),
             "temperature": float(report["config"]["temperature"]), "report": report,
             "model": {"vocab_size": model.vocab_size, "emb_dim": model.embedding.embedding_dim,
                       "hidden_dim": model.lstm.hidden_size, "bos": model.bos, "pad": model.pad},
             "state": model.state_dict()}
    save_checkpoint(run.directory / RATIO_FILE, state, keep_previous=False)
    import json

    from seqgan_gumbel.storage.checkpoint import atomic_write_bytes

    atomic_write_bytes(run.directory / "ratio.json",
                       lambda f: f.write((json.dumps(report, indent=2) + "\n").encode("utf-8")))


def load_ratio(run, path=None) -> tuple[PrefixRatio, dict]:
    """(the ratio model fitted to this run's generator, its saved state); a UserError when the run has
    none, or the file belongs to another run or vocabulary."""
    from pathlib import Path

    from seqgan_gumbel.storage.checkpoint import load_checkpoint

    path = Path(path) if path else run.directory / RATIO_FILE
    fix = f"run seqgan-gumbel fit-ratio --run {run.directory}"
    if not path.is_file():
        raise UserError(f"run {run.directory} has no ratio model ({path.name}); {fix} first")
    state = load_checkpoint(path)
    if state.get("kind") != "ratio" or "state" not in state or "model" not in state:
        raise UserError(f"{path} is not a ratio model; {fix}")
    if tuple(state.get("vocab", ())) != run.vocab.tokens:
        raise UserError(f"ratio model {path} was fitted on another vocabulary; {fix}")
    if state.get("generator_digest") != generator_digest(run.generator):
        raise UserError(f"ratio model {path} was fitted to another generator (another run, or this run "
                        f"before it trained further); {fix}")
    m = state["model"]
    model = PrefixRatio(m["vocab_size"], m["emb_dim"], m["hidden_dim"], m["bos"], m["pad"])
    model.load_state_dict(state["state"])
    return model.eval(), state


def run_sampler(run, method: str, *, temperature: float = 1.0, strength: float = 1.0, candidates: int = 8,
                path=None, top_k: int = 0, top_p: float = 1.0):
    """(the sampler a user asks of a run, the saved ratio model's state or None): the options are
    checked first, then the run's ratio model (or the file at path) is loaded unless method is plain."""
    from seqgan_gumbel.ratio.samplers import check_options, make_sampler

    check_options(strength, candidates)
    ratio, state = load_ratio(run, path) if method != "plain" else (None, None)
    return make_sampler(run.generator, ratio, temperature=temperature, method=method, strength=strength,
                        candidates=candidates, top_k=top_k, top_p=top_p), state
