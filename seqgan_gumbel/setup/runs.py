"""A run's models built from its config and vocabulary, and a finished run loaded back."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from seqgan_gumbel.storage.checkpoint import GENERATOR_KEYS, load_checkpoint, require
from seqgan_gumbel.config.schema import Config, from_dict
from seqgan_gumbel.models.critics import CRITICS
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.kinds import KINDS
from seqgan_gumbel.setup.validation import validate
from seqgan_gumbel.models.generator import Generator
from seqgan_gumbel.data.grammar import Grammar, load_grammar
from seqgan_gumbel.data.vocab import Vocab


def build_generator(cfg: Config, vocab: Vocab, seq_len: int, banned: tuple[int, ...]) -> Generator:
    """banned: ids never emitted (see SequenceData.banned)."""
    g = cfg.generator
    return Generator(len(vocab), g.emb_dim, g.hidden_dim, seq_len, bos=vocab.bos, eos=vocab.eos,
                     pad=vocab.pad, banned=banned, z_dim=g.z_dim)


def build_discriminator(cfg: Config, vocab: Vocab) -> torch.nn.Module:
    return CRITICS[cfg.discriminator.kind](cfg.discriminator, len(vocab), vocab.pad)


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
        return KINDS.get(self.config.data.kind).from_run(self)


def load_run(run_dir: str | Path, device: str = "cpu") -> LoadedRun:
    """The trained generator of a run directory (or checkpoint file), ready for sampling."""
    state = load_checkpoint(run_dir)
    require(state, GENERATOR_KEYS, run_dir, "a run's checkpoint")
    try:
        cfg = from_dict(state["config"], "checkpoint config")
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
