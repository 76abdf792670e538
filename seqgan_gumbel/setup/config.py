"""A run's config read and validated in one call: what every command and the API start from."""
from __future__ import annotations

from seqgan_gumbel.config.schema import Config, from_dict, read_config, set_overrides, stderr_notice
from seqgan_gumbel.setup.validation import validate


def load_config(path: str | None, overrides: list[str], notify=stderr_notice) -> Config:
    """Defaults, then the TOML file (if any), then each key=value override; then validate."""
    cfg = read_config(path, overrides, notify)
    validate(cfg)
    return cfg


def apply_overrides(cfg: Config, overrides: list[str], notify=stderr_notice) -> None:
    """Apply key=value overrides in order, then validate the whole config."""
    set_overrides(cfg, overrides, notify)
    validate(cfg)


def dry_run(cfg: Config) -> Config:
    """The same config at a tiny size: a handful of steps of every phase, in seconds."""
    small = from_dict(cfg.to_dict())
    small.data.num_train = min(small.data.num_train, 256)
    small.data.num_test = min(small.data.num_test, 64)
    small.data.max_lines = min(small.data.max_lines or 256, 256)
    small.train.batch_size = min(small.train.batch_size, 16)
    small.train.mle_steps = min(small.train.mle_steps, 5)
    small.train.mle_epochs = 0.0
    small.train.adv_steps = min(small.train.adv_steps, 3)
    small.train.log_every = 1
    small.train.eval_samples = min(small.train.eval_samples, 32)
    small.train.eval_test = min(small.train.eval_test, 32)
    small.train.num_samples = min(small.train.num_samples, 32)
    validate(small)
    return small
