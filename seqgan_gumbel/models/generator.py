"""The LSTM generator: from a start token, each step emits a Gumbel-softmax sample of the next token."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from seqgan_gumbel.config.schema import CRITIC_INPUTS, FEEDBACK_MODES
from seqgan_gumbel.models.decoding import Decoder
from seqgan_gumbel.models.gumbel import CPU_ROWS, draw_rows, gumbel_from_uniform


Shard = tuple[int, int, int]   # (first, stop, total): this process's rows of a global batch


def _draw(sampler, rows: int, rest: tuple[int, ...], device, shard: Shard | None) -> torch.Tensor:
    """rows x rest random numbers from sampler (torch.rand, torch.randn). With a shard they are
    drawn for the whole global batch and this process's rows are kept: every data-parallel
    process advances the random stream alike, and together they draw exactly what a single
    process drawing the global batch would."""
    if shard is None:
        return sampler((rows,) + rest, device=device)
    first, stop, total = shard
    if stop - first != rows:
        raise ValueError(f"shard {shard} does not hold {rows} rows")
    return sampler((total,) + rest, device=device)[first:stop]


@dataclass
class Generated:
    """One batch from the generator. Positions after the first end token are padding."""

    vectors: torch.Tensor | None  # [B, T, V] what the critic reads: relaxed samples, or
                                  # straight-through one-hots; zero after the end; None when
                                  # only hard tokens were asked for
    tokens: torch.Tensor   # [B, T] hard tokens, pad after the end token
    mask: torch.Tensor     # [B, T] 1.0 up to and including the first end token


class Generator(nn.Module):
    """LSTM language model that can run teacher-forced (MLE) or free-running (GAN).

    feedback selects what the next step reads: 'soft' the relaxed sample times the embedding
    matrix (Kusner & Hernandez-Lobato), 'hard' the embedding of the sampled token (RelGAN),
    'straight-through' the one-hot in the forward pass with the soft sample's gradient.
    """

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, seq_len: int,
                 bos: int, eos: int, pad: int, banned: tuple[int, ...] = (), z_dim: int = 0):
        super().__init__()
        self.vocab_size, self.seq_len, self.z_dim = vocab_size, seq_len, z_dim
        self.bos, self.eos, self.pad = bos, eos, pad
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim, vocab_size)
        self.init_state = nn.Linear(z_dim, 2 * hidden_dim) if z_dim > 0 else None
        # Tokens the generator may never emit (padding, start, unknown): -inf logits.
        logit_mask = torch.zeros(vocab_size)
        logit_mask[list(banned)] = float("-inf")
        self.register_buffer("logit_mask", logit_mask, persistent=False)

    def _state(self, batch: int, z: torch.Tensor | None, shard: Shard | None = None):
        device = self.embedding.weight.device
        if self.init_state is None:
            return None
        if z is None:
            z = _draw(torch.randn, batch, (self.z_dim,), device, shard)
        h, c = torch.tanh(self.init_state(z)).chunk(2, dim=-1)
        return h.unsqueeze(0).contiguous(), c.unsqueeze(0).contiguous()

    def _hidden(self, tokens: torch.Tensor, z: torch.Tensor | None) -> torch.Tensor:
        """Teacher-forced LSTM outputs [B, T, H]: position t has read the tokens before t."""
        start = torch.full_like(tokens[:, :1], self.bos)
        inputs = torch.cat([start, tokens[:, :-1]], dim=1)
        hidden, _ = self.lstm(self.embedding(inputs), self._state(tokens.shape[0], z))
        return hidden

    def logits(self, tokens: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced next-token logits [B, T, V] for target tokens [B, T]."""
        return self._project(self._hidden(tokens, z))

    def _project(self, hidden: torch.Tensor) -> torch.Tensor:
        """Output logits with the banned tokens at -inf, the mask folded into the bias so the
        [..., V] logits are written once (hW + b + mask = hW + (b + mask))."""
        return torch.nn.functional.linear(hidden, self.out.weight, self.out.bias + self.logit_mask)

    def _real_logits(self, tokens: torch.Tensor, z: torch.Tensor | None) -> tuple[tuple, torch.Tensor]:
        """(where: the (rows, positions) of real tokens, their teacher-forced logits [M, V] in fp32)."""
        where = (tokens != self.pad).nonzero(as_tuple=True)
        return where, self._project(self._hidden(tokens, z)[where]).float()   # fp32 under autocast

    def token_nll(self, tokens: torch.Tensor, z: torch.Tensor | None = None,
                  temperature: float = 1.0, decoder: Decoder | None = None) -> torch.Tensor:
        """Per-sequence summed negative log-likelihood [B] (nats), padding excluded.

        Only the real (non-padding) positions are projected to the vocabulary: on a corpus most
        positions of a padded batch are padding, and the [positions, V] logits are the cost.
        temperature divides the logits, as sampling with that temperature does; a decoder (its
        temperature, top-k, top-p) gives the likelihood under its truncated distributions
        instead: inf for a sequence holding a token the decoder never draws."""
        where, logits = self._real_logits(tokens, z)
        if decoder is not None:
            logits = decoder.logits(logits)
        elif temperature != 1.0:
            logits = logits / temperature
        nll = torch.nn.functional.cross_entropy(logits, tokens[where], reduction="none")
        return torch.zeros(tokens.shape[0], dtype=nll.dtype, device=nll.device).index_add(0, where[0], nll)

    def draw_z(self, batch: int, shard: Shard | None = None) -> torch.Tensor | None:
        """The latent codes of a batch (None without generator.z_dim), drawn as generate draws them."""
        if self.z_dim == 0:
            return None
        return _draw(torch.randn, batch, (self.z_dim,), self.embedding.weight.device, shard)

    def step_log_probs(self, tokens: torch.Tensor, z: torch.Tensor | None = None,
                       entropy: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher-forced log p(x_t | x_<t) [B, T] of sampled tokens (0 at padding) and, if asked,
        the entropy [B, T] of each step's distribution (0 at padding): what a score-function
        (REINFORCE) gradient needs. Only real positions are projected, as in token_nll."""
        where, logits = self._real_logits(tokens, z)
        logp = torch.log_softmax(logits, dim=-1)                                        # [M, V]
        out = torch.zeros(tokens.shape, dtype=logp.dtype, device=logp.device)
        chosen = out.index_put(where, logp.gather(1, tokens[where].unsqueeze(1)).squeeze(1))
        if not entropy:
            return chosen, None
        finite = torch.where(torch.isinf(logp), torch.zeros_like(logp), logp)   # banned tokens: p = 0
        return chosen, out.index_put(where, -(logp.exp() * finite).sum(-1))

    def generate(self, batch: int, tau: float = 1.0, feedback: str = "hard", *,
                 critic_input: str = "one-hot", temperature: float = 1.0,
                 need_relaxed: bool = True, z: torch.Tensor | None = None,
                 shard: Shard | None = None, decoder: Decoder | None = None,
                 prefix: torch.Tensor | None = None) -> Generated:
        """Free-running generation of `batch` sequences of seq_len steps.

        tau, the relaxation temperature, relaxes the vectors handed to the discriminator;
        temperature, the sampling temperature, divides the logits before sampling (1 = the
        model's own distribution). critic_input "one-hot": the discriminator sees exact
        one-hots that carry the relaxed sample's gradient (straight-through); "relaxed": it
        sees softmax((logits + g) / tau). With
        need_relaxed=False only hard tokens are produced (no softmax), for sampling and for
        discriminator steps under no_grad. shard: this process's rows of a data-parallel global
        batch (see _draw); None for a batch of its own. decoder (top-k, top-p) and prefix (token
        ids [L] every sequence starts with, or [batch, L] one per row; kept verbatim) apply to
        hard sampling alone (need_relaxed=False, feedback hard).
        """
        if feedback not in FEEDBACK_MODES or critic_input not in CRITIC_INPUTS:
            raise ValueError(f"unknown feedback {feedback!r} or critic input {critic_input!r}")
        straight_through = critic_input == "one-hot"
        device = self.embedding.weight.device
        state = self._state(batch, z, shard)
        if not need_relaxed and feedback == "hard":
            return self._sample_tokens(batch, state, decoder or Decoder(temperature), shard, prefix)
        if decoder is not None or prefix is not None:
            raise ValueError("a decoder or a prefix applies to hard sampling alone (need_relaxed=False)")
        inp = self.embedding(torch.full((batch, 1), self.bos, device=device, dtype=torch.long))
        emb_w = self.embedding.weight
        tokens, relaxed = [], []
        # Without a graph the relaxed rows go straight into one [B, T, V] buffer (a list and a
        # stack would hold them twice); with one, they are stacked (in-place writes into a
        # buffer would make autograd copy its gradient at every step).
        buffer = None if torch.is_grad_enabled() else torch.empty(
            batch, self.seq_len, self.vocab_size, device=device, dtype=emb_w.dtype)
        need_st = straight_through or feedback == "straight-through"
        for step in range(self.seq_len):
            hidden, state = self.lstm(inp, state)
            token, soft, st = self._relaxed_step(hidden[:, 0], tau, temperature, shard, need_st)
            tokens.append(token)
            if buffer is None:
                relaxed.append(st if straight_through else soft)
            else:
                buffer[:, step] = st if straight_through else soft
            if feedback == "soft":
                inp = (soft @ emb_w).unsqueeze(1)
            elif feedback == "straight-through":
                inp = (st @ emb_w).unsqueeze(1)
            else:
                inp = self.embedding(token).unsqueeze(1)
        tokens = torch.stack(tokens, dim=1)                            # [B, T]
        mask = end_mask(tokens, self.eos)
        tokens = tokens.masked_fill(mask == 0, self.pad)
        if buffer is not None:
            vectors = buffer.mul_(mask.unsqueeze(-1))
        else:
            vectors = torch.stack(relaxed, dim=1) * mask.unsqueeze(-1)
        return Generated(vectors, tokens, mask)

    def _relaxed_step(self, hidden: torch.Tensor, tau: float, temperature: float, shard: Shard | None,
                      need_st: bool):
        """One step's drawn token [B], relaxed sample softmax((logits + g) / tau) [B, V] and, when
        need_st, its straight-through one-hot (exactly one-hot forward, relaxed gradient)."""
        logits = self._project(hidden).float()                         # [B, V]; fp32 under autocast
        if temperature != 1.0:
            logits = logits / temperature
        noise = gumbel_from_uniform(_draw(torch.rand, hidden.shape[0], (self.vocab_size,), hidden.device, shard))
        perturbed = logits + noise
        token = perturbed.argmax(dim=-1)                               # [B]
        soft = torch.softmax(perturbed / tau, dim=-1)
        st = None
        if need_st:
            hard = torch.zeros_like(soft).scatter_(-1, token.unsqueeze(-1), 1.0)
            st = hard + (soft - soft.detach())
        return token, soft, st

    def _sample_tokens(self, batch: int, state, decoder: Decoder, shard: Shard | None,
                       prefix: torch.Tensor | None = None) -> Generated:
        """Hard tokens only (sampling, no gradient): one draw per step from the decoder's
        distribution (softmax(logits / T), truncated to its top-k / top-p), after the prefix.

        On the CPU, sequences that have emitted the end token leave the batch, so the cost
        follows the samples' lengths rather than batch * seq_len. (On a GPU the batch keeps its
        shape: dropping rows needs the host to read every step's tokens.) Every step draws one
        uniform per row of the batch, ended or not, so the random stream advances alike
        whichever rows have ended."""
        device = self.embedding.weight.device
        compact = device.type == "cpu"
        tokens = torch.full((batch, self.seq_len), self.pad, dtype=torch.long, device=device)
        rows = torch.arange(batch, device=device)
        inp = self.embedding(torch.full((batch, 1), self.bos, device=device, dtype=torch.long))
        start = 0 if prefix is None else prefix.shape[-1]     # [L], or [batch, L]: a prefix per row
        if start:                                          # read the prefix; draw from the token after it
            tokens[:, :start] = prefix.to(device)
            _, state = self.lstm(torch.cat([inp, self.embedding(tokens[:, :start - 1])], dim=1), state)
            inp = self.embedding(tokens[:, start - 1:start])
        for t in range(start, self.seq_len):
            u = _draw(torch.rand, batch, (), device, shard)
            if rows.numel() == 0:
                continue                                   # all ended: only the draws go on
            hidden, state = self.lstm(inp, state)
            token = draw_rows(lambda h: decoder.logits(self._project(h).float()), hidden[:, 0],
                              u if rows.numel() == batch else u[rows], CPU_ROWS if compact else batch)
            tokens[rows, t] = token
            if compact:
                alive = token != self.eos
                if not bool(alive.all()):
                    rows, token = rows[alive], token[alive]
                    state = (state[0][:, alive], state[1][:, alive])
            inp = self.embedding(token).unsqueeze(1)
        mask = end_mask(tokens, self.eos)
        return Generated(None, tokens.masked_fill(mask == 0, self.pad), mask)


def end_mask(tokens: torch.Tensor, eos: int) -> torch.Tensor:
    """[B, T] float mask: 1 up to and including the first end token, 0 after it."""
    is_end = (tokens == eos).long()
    ends_before = torch.cumsum(is_end, dim=1) - is_end                 # end tokens strictly before t
    return (ends_before == 0).float()


def one_hot(tokens: torch.Tensor, vocab_size: int, pad: int) -> torch.Tensor:
    """[B, T, V] float one-hots of real tokens, with padding positions all zero."""
    out = torch.nn.functional.one_hot(tokens, vocab_size).float()
    return out * (tokens != pad).unsqueeze(-1)
