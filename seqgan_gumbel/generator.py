"""The LSTM generator: from a start token, each step emits a Gumbel-softmax sample of the next token."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .config import FEEDBACK_MODES
from .gumbel import categorical, gumbel_noise


@dataclass
class Generated:
    """One batch from the generator. Positions after the first end token are padding."""

    onehot: torch.Tensor | None  # [B, T, V] relaxed (or straight-through) one-hots, zero after
                                 # the end; None when only hard tokens were asked for
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

    def _state(self, batch: int, z: torch.Tensor | None):
        device = self.embedding.weight.device
        if self.init_state is None:
            return None
        if z is None:
            z = torch.randn(batch, self.z_dim, device=device)
        h, c = torch.tanh(self.init_state(z)).chunk(2, dim=-1)
        return h.unsqueeze(0).contiguous(), c.unsqueeze(0).contiguous()

    def logits(self, tokens: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced next-token logits [B, T, V] for target tokens [B, T]."""
        start = torch.full_like(tokens[:, :1], self.bos)
        inputs = torch.cat([start, tokens[:, :-1]], dim=1)
        hidden, _ = self.lstm(self.embedding(inputs), self._state(tokens.shape[0], z))
        return self._project(hidden)

    def _project(self, hidden: torch.Tensor) -> torch.Tensor:
        """Output logits with the banned tokens at -inf, the mask folded into the bias so the
        [..., V] logits are written once (hW + b + mask = hW + (b + mask))."""
        return torch.nn.functional.linear(hidden, self.out.weight, self.out.bias + self.logit_mask)

    def token_nll(self, tokens: torch.Tensor, z: torch.Tensor | None = None,
                  temperature: float = 1.0) -> torch.Tensor:
        """Per-sequence summed negative log-likelihood [B] (nats), padding excluded.

        temperature divides the logits, as sampling with that temperature does."""
        logits = self.logits(tokens, z)
        logp = torch.log_softmax(logits / temperature if temperature != 1.0 else logits, dim=-1)
        real = tokens != self.pad
        # Padding is a banned output (log p = -inf): read any allowed token there, then drop it.
        nll = -logp.gather(-1, tokens.masked_fill(~real, self.eos).unsqueeze(-1)).squeeze(-1)
        return torch.where(real, nll, torch.zeros_like(nll)).sum(dim=1)

    def generate(self, batch: int, tau: float = 1.0, feedback: str = "hard", *,
                 straight_through: bool = True, temperature: float = 1.0,
                 need_relaxed: bool = True, z: torch.Tensor | None = None) -> Generated:
        """Free-running generation of `batch` sequences of seq_len steps.

        tau relaxes the sample handed to the discriminator; temperature divides the logits
        before sampling (1 = the model's own distribution). With straight_through the
        discriminator sees exact one-hots that carry the soft sample's gradient. With
        need_relaxed=False only hard tokens are produced (no softmax), for sampling and for
        discriminator steps under no_grad.
        """
        if feedback not in FEEDBACK_MODES:
            raise ValueError(f"unknown feedback {feedback!r}")
        device = self.embedding.weight.device
        state = self._state(batch, z)
        inp = self.embedding(torch.full((batch, 1), self.bos, device=device, dtype=torch.long))
        emb_w = self.embedding.weight
        tokens, relaxed = [], []
        for _ in range(self.seq_len):
            hidden, state = self.lstm(inp, state)
            logits = self._project(hidden[:, 0])                       # [B, V]
            if temperature != 1.0:
                logits = logits / temperature
            if not need_relaxed and feedback == "hard":
                token = categorical(logits)                            # only the token is needed
                tokens.append(token)
                inp = self.embedding(token).unsqueeze(1)
                continue
            perturbed = logits + gumbel_noise(logits.shape, device=device, dtype=logits.dtype)
            token = perturbed.argmax(dim=-1)                           # [B]
            tokens.append(token)
            soft = torch.softmax(perturbed / tau, dim=-1)
            if straight_through or feedback == "straight-through":
                hard = torch.zeros_like(soft).scatter_(-1, token.unsqueeze(-1), 1.0)
                st = hard + (soft - soft.detach())                     # exactly one-hot forward
            relaxed.append(st if straight_through else soft)
            if feedback == "soft":
                inp = (soft @ emb_w).unsqueeze(1)
            elif feedback == "straight-through":
                inp = (st @ emb_w).unsqueeze(1)
            else:
                inp = self.embedding(token).unsqueeze(1)
        tokens = torch.stack(tokens, dim=1)                            # [B, T]
        mask = end_mask(tokens, self.eos)
        tokens = tokens.masked_fill(mask == 0, self.pad)
        # Without a relaxation the tokens say everything; a dense [B, T, V] one-hot would cost
        # B * T * V floats (discriminators take token ids directly).
        onehot = torch.stack(relaxed, dim=1) * mask.unsqueeze(-1) if relaxed else None
        return Generated(onehot, tokens, mask)


def end_mask(tokens: torch.Tensor, eos: int) -> torch.Tensor:
    """[B, T] float mask: 1 up to and including the first end token, 0 after it."""
    is_end = (tokens == eos).long()
    ends_before = torch.cumsum(is_end, dim=1) - is_end                 # end tokens strictly before t
    return (ends_before == 0).float()


def one_hot(tokens: torch.Tensor, vocab_size: int, pad: int) -> torch.Tensor:
    """[B, T, V] float one-hots of real tokens, with padding positions all zero."""
    out = torch.nn.functional.one_hot(tokens, vocab_size).float()
    return out * (tokens != pad).unsqueeze(-1)
