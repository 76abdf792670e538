"""What every data kind provides, and the registry that maps `data.kind` to its class.

A data kind (a grammar, the SeqGAN oracle, a text corpus) is one object that knows how to
build its training data, what to write into a run directory, and how to score samples: the
quick figures logged during training, the full figures of `evaluate` and the end of a run,
and the quality and diversity axes of `sweep`. Training, `evaluate` and `sweep` all call
these methods, so their figures cannot drift apart. Modules of kinds import no torch at
import time: scoring text must not pay for it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from seqgan_gumbel.errors import UserError

if TYPE_CHECKING:
    from seqgan_gumbel.data.sequences import SequenceData
    from seqgan_gumbel.models.decoding import Decoder
    from seqgan_gumbel.models.generator import Generator
    from seqgan_gumbel.setup.runs import LoadedRun


@dataclass(frozen=True)
class Axis:
    key: str        # a key of the sweep row
    label: str      # the plot's axis label; {n} is the BLEU order


@dataclass
class EvalOptions:
    """How `evaluate` scores samples (the text options are ignored by the other kinds)."""

    orders: tuple[int, ...] = (2, 3, 4, 5)
    self_bleu: bool = False
    smoothing: bool = True
    corpus_level: bool = False
    reference: int | None = None     # grammar: strings drawn from the grammar beside (None: as many)
    seed: int = 0
    temperature: float | Decoder = 1.0    # the sampling temperature (or decoder) the held-out NLL is taken at
    samples_name: str = "samples"    # where the samples came from, for error messages


class DataKind:
    """One kind of data. Subclasses set `name`, the sweep axes, and implement the methods."""

    name: ClassVar[str] = ""
    quality: ClassVar[Axis]
    diversity: ClassVar[Axis]
    data: SequenceData | None = None     # the training data, when built from a config
    evaluation_files: ClassVar[tuple[str, ...]] = ()    # what `evaluate` may put in place of a run's own

    # --------------------------------------------------------------- building
    @staticmethod
    def check_config(dc) -> None:
        """Raise UserError for a data config this kind cannot use (dc: DataConfig)."""

    @staticmethod
    def run_name(dc) -> str:
        """A short name for a fresh run directory."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, cfg, device) -> DataKind:
        """Build the training data (self.data) and what scores samples of it."""
        raise NotImplementedError

    @classmethod
    def from_run(cls, run: LoadedRun, **files: str) -> DataKind:
        """What scores samples of a finished run, read from its run directory; `files` (named in
        evaluation_files: `evaluate --references FILE`, say) stand in for the run's own."""
        raise NotImplementedError

    @classmethod
    def from_files(cls, **files: str) -> DataKind:
        """What scores samples without a run: from the files named in evaluation_files alone."""
        raise UserError(f"evaluating {cls.name} samples needs a --run DIR to score them against")

    def write_files(self, out: Path) -> None:
        """The kind's own files of a new run directory (held-out data, tokenizer, oracle)."""

    # ---------------------------------------------------------------- scoring
    def quick_figures(self, samples: list[str], gen: Generator | None, held_out: int) -> dict:
        """The flat figures logged during training; held_out: how many held-out sequences the NLL takes."""
        raise NotImplementedError

    def summary_figures(self, samples: list[str], gen: Generator) -> dict:
        """The figures summary.json records at the end of a run."""
        raise NotImplementedError

    def full_figures(self, samples: list[str], gen: Generator | None, opts: EvalOptions) -> dict:
        """Everything `evaluate` reports (gen: the run's generator, None for a bare samples file)."""
        raise NotImplementedError

    def sweep_figures(self, samples: list[str], gen: Generator, temperature: float, order: int) -> dict:
        """One flat row of `sweep` at a sampling temperature; holds the quality and diversity keys."""
        raise NotImplementedError

    def table(self, result: dict) -> str:
        """full_figures as the text `evaluate` prints."""
        raise NotImplementedError


def held_out_nll(gen: Generator | None, test_ids, temperature: float | Decoder = 1.0, limit: int | None = None) -> dict:
    """{"nll_test": the generator's per-token NLL of the first `limit` held-out sequences}, or {}.
    temperature: a sampling temperature, or a Decoder (temperature, top-k, top-p: the likelihood of
    what that decoder draws). gen may be a sampler of samplers.py (a guided or filtered generator at
    its own temperature). Where the decoder cannot draw some held-out sequence the NLL is infinite:
    nll_test is then None (JSON null) and test_undrawable the share of sequences it cannot draw."""
    if gen is None or test_ids is None:
        return {}
    import torch

    from seqgan_gumbel.models.decoding import Decoder
    from seqgan_gumbel.models.drawing import generator_nll

    ids = test_ids if limit is None else test_ids[:limit]
    decoder = temperature if isinstance(temperature, Decoder) else Decoder(temperature)
    if hasattr(gen, "held_out"):      # a sampler (samplers.py): the likelihood of what it samples, with its SE
        out = gen.held_out(ids)
    else:
        out = {"nll_test": generator_nll(gen, ids, gen.pad, decoder=decoder)}
    if not math.isinf(out["nll_test"]):
        return out | ({"test_undrawable": 0.0} if decoder.truncates else {})
    with torch.no_grad():
        log_p = gen.log_p(ids) if hasattr(gen, "log_p") else torch.cat(
            [-gen.token_nll(ids[s:s + 1000].to(gen.logit_mask.device), decoder=decoder).cpu()
             for s in range(0, len(ids), 1000)])
    out = out | {"nll_test": None, "test_undrawable": float(torch.isinf(log_p).double().mean())}
    return out | ({"nll_test_se": None} if "nll_test_se" in out else {})


def held_out_text(result: dict) -> str | None:
    """NLL_test of a result as a table shows it, or None when it has none."""
    if result.get("nll_test") is not None:
        return f"{result['nll_test']:.4f}"
    if "test_undrawable" in result:
        return f"inf (the decoder cannot draw {result['test_undrawable']:.1%} of the held-out sequences)"
    return None


class Registry:
    """data.kind names and their classes: the built-in ones, and any a program registers."""

    def __init__(self, kinds: dict[str, type[DataKind]]):
        self._kinds = dict(kinds)

    def names(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def get(self, name: str) -> type[DataKind]:
        try:
            return self._kinds[name]
        except KeyError:
            raise UserError(f"data.kind {name!r} is unknown; choose one of {', '.join(self._kinds)}") from None

    def register(self, cls: type[DataKind]) -> type[DataKind]:
        """Add a kind (usable as a class decorator); its `name` becomes a value of data.kind."""
        if not cls.name:
            raise ValueError(f"{cls.__name__} has no name")
        self._kinds[cls.name] = cls
        return cls

    def unregister(self, name: str) -> None:
        self._kinds.pop(name, None)
