"""The SeqGAN synthetic-data oracle: a fixed LSTM whose samples are the 'real data'.

Equations (row vectors, as in the published parameter file), with x the embedding of the
previous token, h and c starting at zero and token 0 as the start token:
    i = sigmoid(x W_i + h U_i + b_i)   f = sigmoid(x W_f + h U_f + b_f)
    o = sigmoid(x W_o + h U_o + b_o)   g = tanh(x W_c + h U_c + b_c)
    c = f * c + i * g                  h = o * tanh(c)          logits = h W_out + b_out
Every sequence has exactly `length` tokens (no end token).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.models.gumbel import CPU_ROWS, draw_rows

GATES = ("i", "f", "o", "c")


def _shapes(vocab: int, emb: int, hidden: int) -> dict[str, tuple[int, ...]]:
    shapes = {"embedding": (vocab, emb), "W_out": (hidden, vocab), "b_out": (vocab,)}
    for g in GATES:
        shapes[f"W_{g}"] = (emb, hidden)
        shapes[f"U_{g}"] = (hidden, hidden)
        shapes[f"b_{g}"] = (hidden,)
    return shapes


class Oracle:
    """The oracle LSTM on a device; sampling and exact NLL, batched."""

    def __init__(self, params: dict[str, np.ndarray], device: str | torch.device = "cpu"):
        self.params = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
        t = {k: torch.from_numpy(v).to(device) for k, v in self.params.items()}
        self.vocab_size, self.emb_dim = t["embedding"].shape
        self.hidden_dim = t["U_i"].shape[0]
        self.device = torch.device(device)
        self.embedding = t["embedding"]
        self.W = torch.cat([t[f"W_{g}"] for g in GATES], dim=1)      # [E, 4H]
        self.U = torch.cat([t[f"U_{g}"] for g in GATES], dim=1)      # [H, 4H]
        self.b = torch.cat([t[f"b_{g}"] for g in GATES])             # [4H]
        self.W_out, self.b_out = t["W_out"], t["b_out"]

    def _cell(self, x, h, c):
        z = x @ self.W + h @ self.U + self.b
        i, f, o, g = z.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def _logits(self, h):
        return torch.addmm(self.b_out, h, self.W_out)

    def _step(self, x, h, c):
        h, c = self._cell(x, h, c)
        return h, c, self._logits(h)

    def _zeros(self, batch: int):
        z = torch.zeros(batch, self.hidden_dim, device=self.device)
        return z, z.clone()

    def _rows(self, batch: int) -> int:
        """Rows computed at a time: on the CPU few enough that their logits stay in the cache."""
        return min(batch, CPU_ROWS) if self.device.type == "cpu" else batch

    @torch.no_grad()
    def sample(self, num: int, length: int, seed: int, batch_size: int = 2000, temperature: float = 1.0) -> torch.Tensor:
        """[num, length] token ids drawn from the oracle (CPU tensor), seeded; at a sampling
        temperature, each step's logits divided by it (1: the oracle's own distribution).

        batch_size fixes how the random stream is dealt out (per batch of rows, one uniform per row
        and step: step 0 of every row in it, then step 1, ...), so it decides the draws; the rows
        are projected to the vocabulary a few hundred at a time (gumbel.CPU_ROWS), which does not."""
        gen = torch.Generator(device=self.device).manual_seed(seed)
        logits = self._logits if temperature == 1.0 else (lambda h: self._logits(h) / temperature)
        out = []
        for start in range(0, num, batch_size):
            b = min(batch_size, num - start)
            h, c = self._zeros(b)
            tok = torch.zeros(b, dtype=torch.long, device=self.device)
            seq = []
            for _ in range(length):
                h, c = self._cell(self.embedding[tok], h, c)
                # Inverse-CDF draws, one uniform per row (multinomial was 5x slower here).
                tok = draw_rows(logits, h, torch.rand(b, device=self.device, generator=gen), self._rows(b))
                seq.append(tok)
            out.append(torch.stack(seq, dim=1).cpu())
        return torch.cat(out)

    @torch.no_grad()
    def sequence_nll(self, tokens: torch.Tensor, batch_size: int | None = None, temperature: float = 1.0) -> torch.Tensor:
        """Summed NLL (nats) of each sequence [N, L] under the oracle (at a sampling temperature), as float64 [N]."""
        batch_size = batch_size or self._rows(2000)
        out = []
        for start in range(0, tokens.shape[0], batch_size):
            x = tokens[start:start + batch_size].to(self.device)
            h, c = self._zeros(x.shape[0])
            prev = torch.zeros(x.shape[0], dtype=torch.long, device=self.device)
            total = torch.zeros(x.shape[0], dtype=torch.float64, device=self.device)
            for t in range(x.shape[1]):
                h, c, logits = self._step(self.embedding[prev], h, c)
                logp = torch.log_softmax(logits / temperature, dim=1)
                total -= logp.gather(1, x[:, t:t + 1]).squeeze(1).double()
                prev = x[:, t]
            out.append(total.cpu())
        return torch.cat(out)

    def nll(self, tokens: torch.Tensor) -> float:
        """NLL_oracle: mean negative log-likelihood per token (nats) of sequences [N, L]."""
        return (self.sequence_nll(tokens).sum() / tokens.numel()).item()

    def save(self, path: str | Path) -> None:
        np.savez(path, **self.params)


def parse_id_sequences(lines: list[str], vocab_size: int, where: str) -> list[list[int]]:
    """Token-id sequences, one per line, ids separated by spaces; checked against the vocabulary."""
    seqs = []
    for lineno, line in enumerate(lines, 1):
        try:
            ids = [int(t) for t in line.split()]
        except ValueError:
            raise UserError(f"samples {where} line {lineno}: oracle samples are token ids "
                            f"(integers separated by spaces)") from None
        if not ids or min(ids) < 0 or max(ids) >= vocab_size:
            raise UserError(f"samples {where} line {lineno}: needs 1 or more ids in 0..{vocab_size - 1}")
        seqs.append(ids)
    return seqs


def nll_of_sequences(oracle: "Oracle", seqs: list[list[int]]) -> dict:
    """NLL_oracle of sequences of any lengths: summed over tokens, averaged per token."""
    by_len: dict[int, list[list[int]]] = {}
    for s in seqs:
        by_len.setdefault(len(s), []).append(s)
    total = sum(oracle.sequence_nll(torch.tensor(group)).sum().item() for group in by_len.values())
    n_tokens = sum(map(len, seqs))
    return {"nll_oracle": total / n_tokens, "n_sequences": len(seqs), "n_tokens": n_tokens}


def load_oracle(path: str | Path, device="cpu") -> Oracle:
    """The oracle from an .npz of the published layout (see the module docstring)."""
    from seqgan_gumbel.storage.paths import input_file

    path = input_file(path, "oracle file", "check --oracle-params / data.oracle_params")
    try:
        with np.load(path) as data:
            params = {k: data[k] for k in data.files}
    except Exception as e:
        raise UserError(f"oracle file {path} is not a readable .npz ({type(e).__name__})") from None
    if "embedding" not in params or params["embedding"].ndim != 2 or "U_i" not in params:
        raise UserError(f"oracle file {path} lacks 'embedding' [V, E] or 'U_i' [H, H]; "
                        f"it must hold the arrays named in the oracle's README")
    (vocab, emb), hidden = params["embedding"].shape, params["U_i"].shape[0]
    for name, shape in _shapes(vocab, emb, hidden).items():
        got = params.get(name)
        if got is None or tuple(got.shape) != shape:
            raise UserError(f"oracle file {path}: array {name} has shape "
                            f"{None if got is None else tuple(got.shape)}, expected {shape}")
    return Oracle(params, device)


def random_oracle(seed: int, vocab: int = 5000, emb: int = 32, hidden: int = 32, device="cpu") -> Oracle:
    """A seeded oracle with every parameter drawn from N(0, 1), as SeqGAN initialised its own."""
    rng = np.random.default_rng(seed)
    params = {k: rng.standard_normal(s).astype(np.float32) for k, s in _shapes(vocab, emb, hidden).items()}
    return Oracle(params, device)
