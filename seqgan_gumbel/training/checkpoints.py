"""What a Trainer writes to a checkpoint and reads back: everything the next step depends on
(weights, optimizer states, the random-number generators, the position in the data, the
warm-up's best generator), so that a resumed run ends bit-identical (on the CPU) to the same
run never stopped. Functions of the Trainer whose parts they read and set; the Trainer calls
them (Trainer.save, Trainer.restore, Trainer.generator_state) rather than inheriting them."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from seqgan_gumbel.errors import UserError

if TYPE_CHECKING:
    from seqgan_gumbel.training.trainer import Trainer


def generator_state(trainer: Trainer) -> dict:
    """What `sample --run` and train.init_generator need of a generator."""
    data = trainer.data
    v = data.vocab
    return {"config": trainer.cfg.to_dict(), "vocab": list(v.tokens), "decoder": v.decoder,
            "max_len": data.max_len, "fixed_length": data.fixed_length,
            "banned": list(data.banned), "tokenizer_json": data.tokenizer_json or "",
            "generator": trainer.average.sampler(trainer.gen).state_dict()}


def training_state(trainer: Trainer) -> dict:
    """Everything the next step depends on (see the module docstring)."""
    t = trainer
    return generator_state(t) | {
        "discriminator": t.disc.state_dict(),
        "opt_mle": t.opt_mle.state_dict(), "opt_g": t.opt_g.state_dict(), "opt_d": t.opt_d.state_dict(),
        "global_step": t.global_step, "mle_steps": t.mle_steps, "total_steps": t.total,
        "rng_cpu": torch.get_rng_state(),
        # This process's GPU: under torchrun every process's generator is in the same state.
        "rng_cuda": torch.cuda.get_rng_state(t.device) if t.device.type == "cuda" else None,
        "stream": t.stream.state_dict(),
        "best": t.warmup.best,
        # train.g_average: "generator" holds the average (what sampling reads), this the weights trained
        "generator_trained": t.gen.state_dict(), "average": t.average.state_dict(),
        "reinforce_baseline": t.reinforce.baseline,
    }


def restore(trainer: Trainer, state: dict) -> None:
    """Put a checkpoint's state (training_state) back into a Trainer built from the same config."""
    t = trainer
    if tuple(state["vocab"]) != t.data.vocab.tokens:
        raise UserError(f"the data rebuilt from {t.out}'s config gives another vocabulary than the "
                        f"checkpoint's; the data files changed since the run started")
    t.gen.load_state_dict(state.get("generator_trained", state["generator"]))   # older: no average
    t.average.load_state_dict(state.get("average"))
    for module, key in ((t.disc, "discriminator"), (t.opt_mle, "opt_mle"),
                        (t.opt_g, "opt_g"), (t.opt_d, "opt_d"), (t.stream, "stream")):
        module.load_state_dict(state[key])
    t.global_step, t.mle_steps = int(state["global_step"]), int(state["mle_steps"])
    t.total = t.mle_steps + t.cfg.train.adv_steps
    t.warmup.best = state.get("best")
    t.reinforce.baseline = float(state.get("reinforce_baseline", 0.0))      # older: none kept
    torch.set_rng_state(state["rng_cpu"])
    cuda_rng = state.get("rng_cuda")
    cuda_rng = (cuda_rng or [None])[0] if isinstance(cuda_rng, list) else cuda_rng  # older: every GPU's
    if cuda_rng is not None and t.device.type == "cuda":
        torch.cuda.set_rng_state(cuda_rng, t.device)
