"""One validation pass over a whole run config: every key's range, each error naming its key."""
from __future__ import annotations

from seqgan_gumbel.config.schema import (CRITIC_INPUTS, ESTIMATORS, FEEDBACK_MODES, HIGHWAYS, LR_DECAYS, PRECISIONS,
                                         REWARDS, Config)
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.kinds import KINDS
from seqgan_gumbel.models.schedules import SCHEDULES, jang_rate

MAX_LEN = 10_000     # tokens a sequence may have: every batch is [rows, max_len + 1]


def need(ok: bool, key: str, msg: str) -> None:
    if not ok:
        raise UserError(f"config key {key}: {msg}")


def validate(cfg: Config) -> None:
    _data(cfg.data)
    _models(cfg)
    _relaxation(cfg)
    _train(cfg.train)
    need(cfg.train.mle_patience == 0 or cfg.data.validation_fraction > 0, "train.mle_patience",
         "stops the warm-up on a validation split: set data.validation_fraction too (e.g. 0.05); "
         "the test split never chooses a model")


def _data(d) -> None:
    need(d.kind in KINDS.names(), "data.kind", f"choose one of {', '.join(KINDS.names())}")
    KINDS.get(d.kind).check_config(d)
    need(d.num_train >= 1, "data.num_train", "must be at least 1")
    need(d.num_test >= 1, "data.num_test", "must be at least 1")
    need(0 < d.test_fraction < 1, "data.test_fraction", "must be between 0 and 1")
    need(0 <= d.validation_fraction < 1, "data.validation_fraction", "must be in [0, 1): 0 = no validation split")
    need(d.overlong in ("drop", "truncate"), "data.overlong", "choose drop or truncate")
    need(d.tokenizer in ("word", "bpe"), "data.tokenizer", "choose word or bpe")
    need(d.bpe_vocab_size >= 1, "data.bpe_vocab_size", "must be positive")
    need(d.min_freq >= 1, "data.min_freq", "must be at least 1")
    need(d.max_lines >= 0, "data.max_lines", "must be 0 (all) or positive")
    need(0 <= d.max_len <= MAX_LEN, "data.max_len", f"must be 0 (automatic) or positive, at most {MAX_LEN:,}")
    need(d.oracle_seed >= 0, "data.oracle_seed", "must be 0 or positive")


def _models(cfg: Config) -> None:
    g, disc, tr = cfg.generator, cfg.discriminator, cfg.train
    for key, v in (("generator.emb_dim", g.emb_dim), ("generator.hidden_dim", g.hidden_dim),
                   ("discriminator.emb_dim", disc.emb_dim), ("discriminator.hidden_dim", disc.hidden_dim),
                   ("discriminator.num_filters", disc.num_filters),
                   ("train.batch_size", tr.batch_size), ("train.d_steps", tr.d_steps),
                   ("train.g_steps", tr.g_steps), ("train.log_every", tr.log_every),
                   ("train.eval_samples", tr.eval_samples), ("train.eval_test", tr.eval_test),
                   ("train.num_samples", tr.num_samples)):
        need(v >= 1, key, f"must be at least 1, got {v}")
    need(g.z_dim >= 0, "generator.z_dim", "must be 0 or positive")
    need(g.feedback in FEEDBACK_MODES, "generator.feedback", f"choose one of {', '.join(FEEDBACK_MODES)}")
    from seqgan_gumbel.models.critics import CRITICS      # torch, loaded only when a config is checked

    need(disc.kind in CRITICS, "discriminator.kind", f"choose one of {', '.join(CRITICS)}")
    need(not disc.per_step or (disc.kind == "lstm" and not disc.minibatch_std), "discriminator.per_step",
         "scores prefixes with the lstm critic, without the minibatch feature: set discriminator.kind=lstm "
         "and discriminator.minibatch_std=false")
    need(tr.estimator != "reinforce" or tr.rewards != "dense" or disc.per_step, "train.rewards",
         "dense rewards score every prefix: set discriminator.kind=lstm and discriminator.per_step=true")
    need(tr.feature_matching == 0 or (tr.estimator == "gumbel" and disc.kind == "cnn"),
         "train.feature_matching", "needs the relaxation and the cnn critic's features: set "
         "train.estimator=gumbel and discriminator.kind=cnn, or train.feature_matching=0")
    need(disc.input in CRITIC_INPUTS, "discriminator.input", f"choose one of {', '.join(CRITIC_INPUTS)}")
    need(bool(disc.filter_widths) and all(w >= 1 for w in disc.filter_widths),
         "discriminator.filter_widths", "needs positive widths, e.g. 2,3,4,5")
    need(disc.highway in HIGHWAYS, "discriminator.highway", f"choose one of {', '.join(HIGHWAYS)}")
    need(not disc.spectral_norm or disc.kind == "cnn", "discriminator.spectral_norm",
         "applies to the cnn critic only: set discriminator.kind=cnn or discriminator.spectral_norm=false")
    need(not disc.layer_norm or disc.kind == "lstm", "discriminator.layer_norm",
         "applies to the lstm critic only: set discriminator.kind=lstm or discriminator.layer_norm=false")
    need(not disc.prefix_loss or (disc.per_step and tr.loss != "rsgan"), "discriminator.prefix_loss",
         "scores each prefix of a per_step critic and pairs no real with a fake score: set "
         "discriminator.per_step=true and a train.loss other than rsgan, or prefix_loss=false")
    need(disc.l2 >= 0, "discriminator.l2", "must be 0 or positive")
    need(disc.head_hidden >= 0, "discriminator.head_hidden", "must be 0 (none) or positive")
    need(0 <= disc.dropout < 1, "discriminator.dropout", "must be in [0, 1)")
    need(disc.num_rep >= 1 and disc.emb_dim % disc.num_rep == 0, "discriminator.num_rep",
         f"must be at least 1 and divide discriminator.emb_dim ({disc.emb_dim})")


def _relaxation(cfg: Config) -> None:
    t, tr = cfg.relaxation, cfg.train
    need(t.schedule in SCHEDULES, "relaxation.schedule", f"choose one of {', '.join(SCHEDULES)}")
    need(0 < t.tau_start <= 1e4, "relaxation.tau_start", "must be positive (at most 1e4)")
    need(0 < t.tau_end <= 1e4, "relaxation.tau_end", "must be positive (at most 1e4)")
    need(t.rate >= 0, "relaxation.rate", "must be 0 (automatic) or positive")
    if t.schedule == "jang":
        need(t.tau_end <= t.tau_start, "relaxation.tau_end", "jang anneals down: needs tau_end <= tau_start")
        if t.rate > 0:
            needed = jang_rate(t.tau_start, t.tau_end, tr.adv_steps)
            need(t.rate >= needed, "relaxation.rate",
                 f"{t.rate} never reaches tau_end in {tr.adv_steps} steps; use at least {needed:.6g} or 0")


def _train(tr) -> None:
    need(tr.device == "auto" or tr.device == "cpu" or tr.device.startswith("cuda"),
         "train.device", "choose auto, cpu, cuda or cuda:N")
    need(tr.threads >= 0, "train.threads", "must be 0 (default) or positive")
    need(tr.precision in PRECISIONS, "train.precision", f"choose one of {', '.join(PRECISIONS)}")
    need(tr.mle_steps >= 0, "train.mle_steps", "must be 0 or positive")
    need(tr.adv_steps >= 0, "train.adv_steps", "must be 0 or positive")
    need(tr.mle_steps + tr.adv_steps > 0 or tr.mle_epochs > 0, "train.adv_steps",
         "mle_steps and adv_steps are both 0")
    from seqgan_gumbel.models.losses import LOSSES

    need(tr.loss in LOSSES, "train.loss", f"choose one of {', '.join(LOSSES)}")
    for key, v in (("train.mle_lr", tr.mle_lr), ("train.g_lr", tr.g_lr), ("train.d_lr", tr.d_lr)):
        need(0 < v <= 10, key, f"must be in (0, 10] (Adam moves each weight by about this much a step), got {v}")
    need(tr.lr_decay in LR_DECAYS, "train.lr_decay", f"choose one of {', '.join(LR_DECAYS)}")
    need(0 <= tr.g_average < 1, "train.g_average", "must be in [0, 1): 0 = off, e.g. 0.99")
    need(tr.seed >= 0, "train.seed", "must be 0 or positive")
    need(0 <= tr.beta1 < 1, "train.beta1", "must be in [0, 1)")
    need(0 <= tr.beta2 < 1, "train.beta2", "must be in [0, 1)")
    need(tr.gp_weight >= 0, "train.gp_weight", "must be 0 or positive")
    need(tr.grad_clip >= 0, "train.grad_clip", "must be 0 (none) or positive")
    need(tr.mle_weight >= 0, "train.mle_weight", "must be 0 or positive")
    need(tr.mle_epochs >= 0, "train.mle_epochs", "must be 0 or positive")
    need(tr.mle_patience >= 0, "train.mle_patience", "must be 0 or positive")
    need(tr.checkpoint_every >= 0, "train.checkpoint_every", "must be 0 or positive")
    need(tr.estimator in ESTIMATORS, "train.estimator", f"choose one of {', '.join(ESTIMATORS)}")
    need(tr.rewards in REWARDS, "train.rewards", f"choose one of {', '.join(REWARDS)}")
    need(tr.rollouts >= 1, "train.rollouts", "must be at least 1 (SeqGAN used 16)")
    need(0 < tr.discount <= 1, "train.discount", "must be in (0, 1]")
    need(0 <= tr.baseline_decay < 1, "train.baseline_decay", "must be in [0, 1): 0 = no baseline, e.g. 0.9")
    need(tr.terminal_reward >= 0, "train.terminal_reward", "must be 0 (off) or positive")
    need(tr.terminal_reward == 0 or (tr.estimator == "reinforce" and tr.rewards == "dense"), "train.terminal_reward",
         "adds the whole string's reward to dense rewards: set train.estimator=reinforce and "
         "train.rewards=dense, or train.terminal_reward=0")
    need(tr.entropy_weight >= 0, "train.entropy_weight", "must be 0 or positive")
    need(tr.feature_matching >= 0, "train.feature_matching", "must be 0 or positive")
    need(tr.grad_variance == 0 or tr.grad_variance >= 2, "train.grad_variance",
         "must be 0 (off) or at least 2 batches")
