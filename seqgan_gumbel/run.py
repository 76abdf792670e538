"""A run's models built from its config and vocabulary, and a finished run loaded back."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoint import load_checkpoint
from .config import Config, from_dict, validate
from .discriminator import CNNDiscriminator, LSTMDiscriminator
from .errors import UserError
from .generator import Generator
from .grammar import Grammar, load_grammar
from .vocab import Vocab


def build_generator(cfg: Config, vocab: Vocab, seq_len: int) -> Generator:
    g = cfg.generator
    return Generator(len(vocab), g.emb_dim, g.hidden_dim, seq_len, bos=vocab.bos, eos=vocab.eos,
                     pad=vocab.pad, banned=(vocab.pad, vocab.bos, vocab.unk), z_dim=g.z_dim)


def build_discriminator(cfg: Config, vocab: Vocab) -> torch.nn.Module:
    d = cfg.discriminator
    if d.kind == "lstm":
        return LSTMDiscriminator(len(vocab), d.emb_dim, d.hidden_dim, d.dropout, d.minibatch_std)
    return CNNDiscriminator(len(vocab), d.emb_dim, tuple(d.filter_widths), d.num_filters,
                            d.dropout, d.minibatch_std)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"device {name!r} asked for, but no CUDA GPU is available; use --set train.device=cpu")
    return torch.device(name)


def grammar_of(cfg: Config, max_len: int | None = None) -> Grammar | None:
    if not cfg.data.grammar:
        return None
    return load_grammar(cfg.data.grammar, max_len or cfg.data.max_len or None)


@dataclass
class LoadedRun:
    config: Config
    vocab: Vocab
    generator: Generator
    grammar: Grammar | None
    max_len: int
    path: Path


def load_run(run_dir: str | Path, device: str = "cpu") -> LoadedRun:
    """The trained generator of a run directory (or checkpoint file), ready for sampling."""
    state = load_checkpoint(run_dir)
    try:
        cfg = from_dict(state["config"], "checkpoint config")
        validate(cfg)
        vocab = Vocab(tuple(state["vocab"]))
        max_len = int(state["max_len"])
        gen = build_generator(cfg, vocab, max_len + 1)
        gen.load_state_dict(state["generator"])
    except (KeyError, RuntimeError, UserError) as e:
        raise UserError(f"checkpoint in {run_dir} does not match this version of seqgan_gumbel "
                        f"({type(e).__name__}: {str(e).splitlines()[0][:120]})") from None
    gen.to(resolve_device(device)).eval()
    return LoadedRun(cfg, vocab, gen, grammar_of(cfg, max_len), max_len, Path(run_dir))


@torch.no_grad()
def draw_samples(gen: Generator, vocab: Vocab, num: int, *, temperature: float = 1.0,
                 batch_size: int = 1000, seed: int | None = None) -> list[tuple[str, ...]]:
    """num decoded samples (token tuples) from the generator at a sampling temperature."""
    if seed is not None:
        torch.manual_seed(seed)
    was_training = gen.training
    gen.eval()
    out: list[tuple[str, ...]] = []
    while len(out) < num:
        b = min(batch_size, num - len(out))
        toks = gen.generate(b, temperature=temperature, need_relaxed=False).tokens.cpu()
        out.extend(vocab.decode(row) for row in toks.tolist())
    gen.train(was_training)
    return out
