"""What a Trainer writes to a checkpoint and reads back: everything the next step depends on
(weights, optimizer states, the random-number generators, the position in the data, the
warm-up's best generator), so that a resumed run ends bit-identical (on the CPU) to the same
run never stopped."""
from __future__ import annotations

import torch

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.training.stopping import check_weights


class Checkpoints:
    """The checkpoint half of Trainer (it reads the Trainer's models, optimizers and counters)."""

    def generator_state(self) -> dict:
        """What `sample --run` and train.init_generator need of a generator."""
        v = self.data.vocab
        return {"config": self.cfg.to_dict(), "vocab": list(v.tokens), "decoder": v.decoder,
                "max_len": self.data.max_len, "fixed_length": self.data.fixed_length,
                "banned": list(self.data.banned), "tokenizer_json": self.data.tokenizer_json or "",
                "generator": self.average.sampler(self.gen).state_dict()}

    def save(self) -> None:
        """A checkpoint, once every weight is finite (a huge step can overflow them with a finite loss)."""
        check_weights({"generator": self.gen, "discriminator": self.disc}, self._where, self.out)
        self.files.checkpoint(self.state)

    def state(self) -> dict:
        """Everything the next step depends on (see the module docstring)."""
        return self.generator_state() | {
            "discriminator": self.disc.state_dict(),
            "opt_mle": self.opt_mle.state_dict(), "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "global_step": self.global_step, "mle_steps": self.mle_steps, "total_steps": self.total,
            "rng_cpu": torch.get_rng_state(),
            # This process's GPU: under torchrun every process's generator is in the same state.
            "rng_cuda": torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None,
            "stream": self.stream.state_dict(),
            "best": self.warmup.best,
            # train.g_average: "generator" holds the average (what sampling reads), this the weights trained
            "generator_trained": self.gen.state_dict(), "average": self.average.state_dict(),
        }

    def restore(self, state: dict) -> None:
        if tuple(state["vocab"]) != self.data.vocab.tokens:
            raise UserError(f"the data rebuilt from {self.out}'s config gives another vocabulary than the "
                            f"checkpoint's; the data files changed since the run started")
        self.gen.load_state_dict(state.get("generator_trained", state["generator"]))   # older: no average
        self.average.load_state_dict(state.get("average"))
        for module, key in ((self.disc, "discriminator"), (self.opt_mle, "opt_mle"),
                            (self.opt_g, "opt_g"), (self.opt_d, "opt_d"), (self.stream, "stream")):
            module.load_state_dict(state[key])
        self.global_step, self.mle_steps = int(state["global_step"]), int(state["mle_steps"])
        self.total = self.mle_steps + self.cfg.train.adv_steps
        self.warmup.best = state.get("best")
        torch.set_rng_state(state["rng_cpu"])
        cuda_rng = state.get("rng_cuda")
        cuda_rng = (cuda_rng or [None])[0] if isinstance(cuda_rng, list) else cuda_rng  # older: every GPU's
        if cuda_rng is not None and self.device.type == "cuda":
            torch.cuda.set_rng_state(cuda_rng, self.device)
