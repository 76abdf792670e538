"""The judges' language model: a multi-layer LSTM over whitespace tokens, fitted with early stopping.

Both judges use it: the judge LM (fitted once on a data set's real training text, larger than the
generators) and the reverse LM (fitted afresh on generated samples with a small fixed recipe).
Sequences are the vocabulary ids of their whitespace tokens, truncated to the recipe's max_len,
then one end token; the NLL counts every real token and the end token, as the generators' does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from seqgan_gumbel.data.vocab import Vocab


@dataclass(frozen=True)
class LMRecipe:
    """How a judge's language model is built and fitted."""

    emb_dim: int = 256
    hidden_dim: int = 512
    layers: int = 2
    dropout: float = 0.2
    lr: float = 2e-3
    batch_size: int = 64
    max_epochs: int = 30
    patience: int = 2          # epochs without a better validation NLL before stopping
    max_len: int = 60          # tokens kept of a line (longer lines truncated)
    seed: int = 0


class LSTMLM(nn.Module):
    def __init__(self, vocab_size: int, recipe: LMRecipe, bos: int):
        super().__init__()
        self.bos = bos
        self.embedding = nn.Embedding(vocab_size, recipe.emb_dim)
        self.lstm = nn.LSTM(recipe.emb_dim, recipe.hidden_dim, num_layers=recipe.layers, batch_first=True,
                            dropout=recipe.dropout if recipe.layers > 1 else 0.0)
        self.drop = nn.Dropout(recipe.dropout)
        self.out = nn.Linear(recipe.hidden_dim, vocab_size)

    def hidden(self, tokens: torch.Tensor) -> torch.Tensor:
        """[B, T, H] last-layer states: position t has read the start token and tokens before t."""
        inputs = torch.cat([torch.full_like(tokens[:, :1], self.bos), tokens[:, :-1]], dim=1)
        states, _ = self.lstm(self.drop(self.embedding(inputs)))
        return states

    def sequence_nll(self, tokens: torch.Tensor, pad: int) -> torch.Tensor:
        """[B] summed NLL (nats) of each sequence, padding excluded; only real positions are projected."""
        real = tokens != pad
        where = real.nonzero(as_tuple=True)
        logits = self.out(self.drop(self.hidden(tokens)[where]))
        nll = nn.functional.cross_entropy(logits, tokens[where], reduction="none")
        return torch.zeros(tokens.shape[0], dtype=nll.dtype).index_add(0, where[0], nll)


def encode(vocab: Vocab, lines: list[str], max_len: int) -> torch.Tensor:
    """[N, max_len + 1] ids of each line's whitespace tokens (unknown words: <unk>), end token, padding."""
    index = vocab.index()
    return vocab.pack([[index.get(w, vocab.unk) for w in line.split()[:max_len]] for line in lines], max_len + 1)


def _trim(ids: torch.Tensor, pad: int) -> torch.Tensor:
    """The batch without its all-padding trailing columns (the LSTM's cost is the longest row)."""
    width = int((ids != pad).sum(dim=1).max()) if len(ids) else 1
    return ids[:, :max(width, 1)]


@torch.no_grad()
def per_sequence_nll(model: LSTMLM, ids: torch.Tensor, pad: int, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """([N] summed NLL, [N] token counts) of sequences; batches of similar length (sorted) run fastest."""
    model.eval()
    lengths = (ids != pad).sum(dim=1)
    order = torch.argsort(lengths)
    nll = torch.zeros(len(ids), dtype=torch.float64)
    for start in range(0, len(ids), batch_size):
        rows = order[start:start + batch_size]
        nll[rows] = model.sequence_nll(_trim(ids[rows], pad), pad).double()
    return nll, lengths


def mean_nll(model: LSTMLM, ids: torch.Tensor, pad: int) -> float:
    """NLL per token (nats) of sequences [N, T], the end token included."""
    nll, lengths = per_sequence_nll(model, ids, pad)
    return float(nll.sum() / lengths.sum())


@torch.no_grad()
def last_states(model: LSTMLM, ids: torch.Tensor, pad: int, batch_size: int = 1000) -> torch.Tensor:
    """[N, H] the last layer's state after reading each whole sequence (at the step that
    predicts its end token): the features MAUVE and the Fréchet distance compare."""
    model.eval()
    lengths = (ids != pad).sum(dim=1)
    order = torch.argsort(lengths)
    out = torch.zeros(len(ids), model.lstm.hidden_size)
    for start in range(0, len(ids), batch_size):
        rows = order[start:start + batch_size]
        states = model.hidden(_trim(ids[rows], pad))
        out[rows] = states[torch.arange(len(rows)), lengths[rows] - 1]
    return out


def fit(vocab: Vocab, train: torch.Tensor, valid: torch.Tensor, recipe: LMRecipe,
        progress: bool = False) -> tuple[LSTMLM, list[dict]]:
    """A fresh LSTMLM fitted on train with Adam, one epoch at a time, until the validation NLL has
    not improved for recipe.patience epochs; returns the best epoch's model and the history.
    Deterministic for a recipe's seed; the caller's random state is left as it was."""
    from tqdm import tqdm

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        model = LSTMLM(len(vocab), recipe, vocab.bos)
        opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
        order = torch.Generator().manual_seed(recipe.seed)
        best, best_state, history, waited = math.inf, None, [], 0
        for epoch in range(1, recipe.max_epochs + 1):
            model.train()
            total, tokens = 0.0, 0
            batches = torch.randperm(len(train), generator=order).split(recipe.batch_size)
            for rows in tqdm(batches, desc=f"judge LM epoch {epoch}", unit="batch", disable=not progress, leave=False):
                x = _trim(train[rows], vocab.pad)
                nll = model.sequence_nll(x, vocab.pad)
                count = int((x != vocab.pad).sum())
                opt.zero_grad(set_to_none=True)
                (nll.sum() / count).backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                opt.step()
                total, tokens = total + float(nll.detach().sum()), tokens + count
            valid_nll = mean_nll(model, valid, vocab.pad)
            history.append({"epoch": epoch, "train_nll": total / tokens, "valid_nll": valid_nll})
            if progress:
                print(f"judge LM epoch {epoch}: train NLL {total / tokens:.4f}, validation NLL {valid_nll:.4f}")
            if valid_nll < best:
                best, waited = valid_nll, 0
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            else:
                waited += 1
                if waited >= recipe.patience:
                    break
        model.load_state_dict(best_state)
    model.eval()
    return model, history
