"""A run's models built from its config and vocabulary, and a finished run loaded back."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoint import GENERATOR_KEYS, load_checkpoint, require
from .config import Config, from_dict
from .discriminator import CNNDiscriminator, LSTMDiscriminator
from .errors import UserError
from .generator import Generator
from .grammar import Grammar, load_grammar
from .vocab import Vocab


def build_generator(cfg: Config, vocab: Vocab, seq_len: int, banned: tuple[int, ...]) -> Generator:
    """banned: ids never emitted (see SequenceData.banned)."""
    g = cfg.generator
    return Generator(len(vocab), g.emb_dim, g.hidden_dim, seq_len, bos=vocab.bos, eos=vocab.eos,
                     pad=vocab.pad, banned=banned, z_dim=g.z_dim)


def build_discriminator(cfg: Config, vocab: Vocab) -> torch.nn.Module:
    d = cfg.discriminator
    if d.kind == "lstm":
        return LSTMDiscriminator(len(vocab), d.emb_dim, d.hidden_dim, d.dropout, d.minibatch_std, vocab.pad,
                                 d.per_step)
    return CNNDiscriminator(len(vocab), d.emb_dim, tuple(d.filter_widths), d.num_filters,
                            d.dropout, d.minibatch_std, d.num_rep, vocab.pad, d.highway, d.head_hidden)


def resolve_device(name: str, local_rank: int | None = None, fix: str = "--set train.device=cpu") -> torch.device:
    """auto: the GPU when there is one, else the CPU. Under torchrun (local_rank given) each
    process takes the GPU of its local rank. fix: the flag that chooses the CPU instead."""
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"device {name!r} asked for, but no CUDA GPU is available; use {fix}")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and local_rank is not None:
        if local_rank >= torch.cuda.device_count():
            raise UserError(f"process {local_rank} of this node has no GPU of its own ({torch.cuda.device_count()} "
                            f"visible); use --nproc_per_node={torch.cuda.device_count()} or fewer")
        return torch.device("cuda", local_rank)
    return torch.device(name)


def check_device_features(tr, device: torch.device) -> None:
    """What train.cuda_graphs and train.precision need of the device (tr: TrainConfig)."""
    if tr.cuda_graphs and device.type != "cuda":
        raise UserError("train.cuda_graphs needs a CUDA GPU (train.device cuda); drop it on the CPU")
    if tr.precision == "bf16" and device.type == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        raise UserError("train.precision bf16 on the CPU needs a processor with bf16 instructions "
                        "(AVX-512 BF16 or AMX), which this one lacks; use train.precision=fp32")


def grammar_of(cfg: Config, max_len: int | None = None) -> Grammar | None:
    if cfg.data.kind != "grammar" or not cfg.data.grammar:
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
    tokenizer_json: str | None = None

    @property
    def directory(self) -> Path:
        """The run directory (path may name a checkpoint file inside it)."""
        return self.path if self.path.is_dir() else self.path.parent

    def kind(self):
        """The run's data kind, read back from its directory: what scores its samples."""
        from .kinds import KINDS

        return KINDS.get(self.config.data.kind).from_run(self)


def load_run(run_dir: str | Path, device: str = "cpu") -> LoadedRun:
    """The trained generator of a run directory (or checkpoint file), ready for sampling."""
    state = load_checkpoint(run_dir)
    require(state, GENERATOR_KEYS, run_dir, "a run's checkpoint")
    try:
        cfg = from_dict(state["config"], "checkpoint config")
        from .validation import validate

        validate(cfg)
        vocab = Vocab(tuple(state["vocab"]), state.get("decoder", "space"))
        max_len, fixed = int(state["max_len"]), bool(state.get("fixed_length", False))
        gen = build_generator(cfg, vocab, max_len if fixed else max_len + 1, tuple(state["banned"]))
        gen.load_state_dict(state["generator"])
    except (KeyError, RuntimeError, UserError) as e:
        raise UserError(f"checkpoint in {run_dir} does not match this version of seqgan_gumbel "
                        f"({type(e).__name__}: {str(e).splitlines()[0][:120]})") from None
    gen.to(resolve_device(device, fix="--device cpu")).eval()
    return LoadedRun(cfg, vocab, gen, grammar_of(cfg, max_len), max_len, Path(run_dir),
                     state.get("tokenizer_json") or None)


@torch.no_grad()
def draw_ids(gen: Generator, num: int, *, temperature: float = 1.0, batch_size: int = 1000,
             seed: int | None = None, progress: bool = False) -> torch.Tensor:
    """[num, T] token ids (CPU) from the generator at a sampling temperature; pad after the end."""
    from tqdm import tqdm

    if seed is not None:
        torch.manual_seed(seed)
    was_training = gen.training
    gen.eval()
    out = []
    starts = range(0, num, batch_size)
    for start in tqdm(starts, desc="sampling", unit="batch", disable=not progress or len(starts) < 3):
        b = min(batch_size, num - start)
        with torch.no_grad():
            out.append(gen.generate(b, temperature=temperature, need_relaxed=False).tokens.cpu())
    gen.train(was_training)
    return torch.cat(out)


def draw_samples(gen: Generator, vocab: Vocab, num: int, **kw) -> list[tuple[str, ...]]:
    """num decoded samples (token tuples) from the generator; keywords as draw_ids."""
    return [vocab.decode(row) for row in draw_ids(gen, num, **kw).tolist()]


@torch.no_grad()
def generator_nll(gen: Generator, ids: torch.Tensor, pad: int, batch_size: int = 1000, *,
                  temperature: float = 1.0, z_samples: int = 10) -> float:
    """The generator's mean NLL per token (nats) of sequences [N, T], end token included.

    With latent noise z the likelihood p(x) = E_z p(x | z) has no closed form: it is estimated
    per sequence as -log mean_k p(x | z_k) over z_samples prior draws (an upper bound on the
    NLL in expectation, tight as z_samples grows).
    """
    was_training = gen.training
    gen.eval()
    device = gen.embedding.weight.device
    total, count = 0.0, 0
    k = z_samples if gen.z_dim > 0 else 1
    for start in range(0, ids.shape[0], batch_size):
        x = ids[start:start + batch_size].to(device)
        per_z = torch.stack([gen.token_nll(x, temperature=temperature).double() for _ in range(k)])
        nll = -(torch.logsumexp(-per_z, dim=0) - math.log(k))
        total += nll.sum().item()
        count += int((x != pad).sum())
    gen.train(was_training)
    return total / count


def load_pretrained(gen: Generator, path: str, vocab: Vocab) -> None:
    """Load a pre-trained generator (a run's pretrained.pt or checkpoint) into gen."""
    state = load_checkpoint(path)
    if tuple(state.get("vocab", ())) != vocab.tokens:
        raise UserError(f"pre-trained generator {path} was trained on another vocabulary; "
                        f"use one pre-trained on this data")
    try:
        gen.load_state_dict(state["generator"])
    except (KeyError, RuntimeError) as e:
        raise UserError(f"pre-trained generator {path} does not fit this generator's sizes "
                        f"({str(e).splitlines()[0][:100]})") from None
