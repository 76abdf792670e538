"""Run configuration: dataclasses with defaults, a TOML file, --set overrides (validated in setup/)."""
from __future__ import annotations

import dataclasses
import sys
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from seqgan_gumbel.config.values import convert as _convert
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.storage.paths import input_file

# The allowed values of the choices that are not registries (losses: models/losses.LOSSES; critics:
# models/critics.CRITICS; tau schedules: models/schedules.SCHEDULES; data kinds: kinds.KINDS).
FEEDBACK_MODES = ("soft", "hard", "straight-through")
CRITIC_INPUTS = ("one-hot", "relaxed")
HIGHWAYS = ("gated", "shared")
PRECISIONS = ("fp32", "bf16")
LR_DECAYS = ("constant", "linear")
ESTIMATORS = ("gumbel", "reinforce")
REWARDS = ("rollout", "dense")


@dataclass
class DataConfig:
    kind: str = "grammar"        # grammar, corpus (a text file), oracle (SeqGAN's synthetic data),
                                 # or a kind registered in seqgan_gumbel.kinds.KINDS
    grammar: str = "arith"       # built-in name (arith, kusner), a .cfg file, or "" for none
    path: str = ""               # grammar: file of token sequences; corpus: the training text
    test_path: str = ""          # corpus: held-out text; "" = a seeded split of path
    test_fraction: float = 0.1   # corpus without test_path: share of lines held out
    validation_fraction: float = 0.0  # share of the training sequences kept out of training as a
                                      # validation split (validation.txt; train.mle_patience stops on it)
    max_lines: int = 0           # corpus: read only the first N lines of each file; 0 = all
    num_train: int = 10000       # sequences drawn from the grammar or the oracle
    num_test: int = 10000        # oracle: held-out sequences drawn
    max_len: int = 0             # 0 = automatic: the grammar's limit, the longest line, 20 for the oracle
    overlong: str = "drop"       # corpus lines longer than max_len: drop or truncate
    tokenizer: str = "word"      # corpus: word (whitespace) or bpe
    bpe_vocab_size: int = 5000
    min_freq: int = 1            # corpus: rarer words (or BPE pairs) are left out
    lowercase: bool = False
    split_punctuation: bool = False  # corpus: split punctuation off words (COCO keeps it attached)
    vocab_includes_test: bool = False  # corpus, word-level: vocabulary from train + test lines
                                       # (Texygen / RelGAN protocol: no unknown words in NLL_test)
    oracle_params: str = ""      # oracle: .npz of the published oracle; "" = seeded N(0, 1) oracle
    oracle_seed: int = 0         # seeds the random oracle and the oracle's samples


@dataclass
class GeneratorConfig:
    emb_dim: int = 32
    hidden_dim: int = 64
    z_dim: int = 0               # latent noise for the initial LSTM state; 0 = none
    feedback: str = "hard"       # what the generator's next step reads: soft (relaxed sample x
                                 # embedding), hard (the sampled token's embedding), straight-through


@dataclass
class DiscriminatorConfig:
    kind: str = "cnn"            # cnn or lstm
    input: str = "one-hot"       # what the critic reads of a fake sequence: one-hot (exact one-hots
                                 # carrying the relaxed sample's gradient) or relaxed (the Gumbel-softmax
                                 # vectors softmax((logits + g) / tau))
    emb_dim: int = 64
    hidden_dim: int = 64         # lstm only
    per_step: bool = False       # lstm: the mean score of every prefix (a signal for each token)
    prefix_loss: bool = False    # per_step: train.loss on the score of every prefix (ScratchGAN's
                                 # per-step cross-entropy with loss = standard), not on their mean
    layer_norm: bool = False     # lstm: one layer normalisation over the four gates' pre-activations
                                 # (Ba et al. 2016, Sonnet's LSTM: ScratchGAN's critic)
    filter_widths: list[int] = field(default_factory=lambda: [2, 3, 4, 5])
    num_filters: int = 64        # cnn only, per width
    dropout: float = 0.25
    minibatch_std: bool = True   # batch-diversity feature, so collapse is visible to it
    num_rep: int = 1             # cnn: RelGAN's multiple representations (embedding split in num_rep)
    highway: str = "gated"       # cnn: gated (own gate weights, SeqGAN) or shared (RelGAN's one layer)
    head_hidden: int = 0         # cnn: units of a linear layer before the score (RelGAN: 100)
    spectral_norm: bool = False  # cnn: each linear and convolution layer divided by its largest
                                 # singular value (Miyato et al. 2018)
    l2: float = 0.0              # weight of an L2 penalty, l2 x sum(w^2) / 2 over the critic's
                                 # parameters, in its loss (ScratchGAN: 1e-6)


@dataclass
class RelaxationConfig:
    """The Gumbel-softmax relaxation temperature tau of adversarial training (never the
    sampling temperature: tau does not change which token is drawn)."""

    schedule: str = "exponential"  # constant linear exponential sigmoid log sqrt quadratic jang
    tau_start: float = 1.0
    tau_end: float = 0.1
    rate: float = 0.0            # jang only; 0 = the rate that reaches tau_end at the last step


@dataclass
class TrainConfig:
    seed: int = 0
    device: str = "auto"         # auto (cuda when available), cpu, cuda, cuda:N
    threads: int = 0             # CPU threads for torch; 0 = torch's default (one per core; under
                                 # torchrun on CPUs the cores shared among the node's processes)
    cuda_graphs: bool = False    # GPU: capture the discriminator steps' sampling as a CUDA graph
    precision: str = "fp32"      # fp32, or bf16 autocast (Gumbel noise, softmax and losses stay fp32)
    batch_size: int = 64
    mle_steps: int = 1500        # teacher-forced warm-up; 0 = a GAN trained from scratch
    mle_epochs: float = 0.0      # > 0: warm-up length in epochs over the data instead of mle_steps
    mle_patience: int = 0        # > 0: stop the warm-up after this many evaluations without a better
                                 # held-out NLL, keeping the best generator
    mle_lr: float = 5e-3
    init_generator: str = ""     # start from this pre-trained generator (pretrained.pt); no warm-up
    adv_steps: int = 300
    loss: str = "wgan-gp"        # standard, rsgan, wgan-gp, hinge
    g_lr: float = 1e-4
    d_lr: float = 1e-4
    lr_decay: str = "constant"   # adversarial g_lr and d_lr: constant, or linear (down to 0 at the end)
    g_average: float = 0.0       # > 0: sample from a moving average of the generator's adversarial
                                 # weights with this decay (e.g. 0.99); 0 = the weights themselves
    beta1: float = 0.5
    beta2: float = 0.9
    d_steps: int = 5             # discriminator steps per adversarial iteration
    g_steps: int = 1             # generator steps per adversarial iteration
    gp_weight: float = 10.0
    grad_clip: float = 5.0       # max gradient norm; 0 = no clipping
    mle_weight: float = 0.0      # weight of a teacher-forced NLL term in the generator's loss
    log_every: int = 50
    eval_samples: int = 500      # samples scored at each log step (validity for grammars)
    eval_test: int = 1000        # held-out sequences whose NLL is taken at each log step
    num_samples: int = 2000      # written to samples.txt at the end
    checkpoint_every: int = 100  # steps between checkpoints (0 = only at the end or when stopped)
    estimator: str = "gumbel"    # the generator's gradient: gumbel (the critic's gradient through the
                                 # relaxation) or reinforce (score function, the critic's scores as rewards)
    rewards: str = "rollout"     # reinforce: rollout (SeqGAN: Monte Carlo completions of every prefix
                                 # scored by the critic) or dense (ScratchGAN: the per_step critic's
                                 # score of every prefix, discounted)
    rollouts: int = 16           # reinforce, rollout rewards: completions per prefix
    discount: float = 0.9        # reinforce, dense rewards: the discount of later steps' rewards
    baseline_decay: float = 0.9  # reinforce: decay of the moving-average baseline; 0 = no baseline
    terminal_reward: float = 0.0  # reinforce, dense rewards: add this weight times the whole string's
                                 # reward (its last prefix's) to every token's return, undiscounted
    entropy_weight: float = 0.0  # weight of an entropy bonus (both estimators): minus it times the
                                 # entropy of the generator's step distributions along its samples
    feature_matching: float = 0.0  # gumbel, cnn critic: weight of the squared distance between the
                                 # critic's mean features of a real and a fake batch (Salimans et al.)
    grad_variance: int = 0       # >= 2: at each logged adversarial step, log the variance of the
                                 # generator's gradient over this many independent batches


@dataclass
class LogConfig:
    wandb: bool = False          # also log to Weights & Biases (honours WANDB_MODE=offline)
    wandb_project: str = "seqgan_gumbel"
    report: bool = True          # draw report.png at the end of a run


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    relaxation: RelaxationConfig = field(default_factory=RelaxationConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    log: LogConfig = field(default_factory=LogConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def computation(self) -> dict:
        """What makes two runs the same run: the config less where and how fast it runs (device,
        threads, CUDA graphs) and less the path of the generator a GAN starts from (it moves with
        the folder a benchmark runs in), so pieces made on other machines or checkouts add up."""
        d = self.to_dict()
        skip = ("device", "threads", "cuda_graphs", "init_generator")
        return d | {"train": {k: v for k, v in d["train"].items() if k not in skip}}


# Keys renamed since 0.1.0, still read (with a notice) from config files, --set and old runs.
RENAMED = {f"temperature.{k}": f"relaxation.{k}" for k in ("schedule", "tau_start", "tau_end", "rate")}
RENAMED["generator.straight_through"] = "discriminator.input"


def _renamed(key: str, value):
    """(new key, value) for a renamed key; generator.straight_through's booleans become critic inputs."""
    new = RENAMED[key]
    if key == "generator.straight_through":
        flag = _convert(key, value, bool)
        value = "one-hot" if flag else "relaxed"
    return new, value


def _set(cfg: Config, key: str, value, notify=None) -> None:
    if key in RENAMED:
        new, value = _renamed(key, value)
        if notify is not None:
            shown = f" = {value!r}" if key == "generator.straight_through" else ""
            notify(f"config key {key} is now {new}; read as {new}{shown} here (rename it in your config)")
        key = new
    section_name, _, name = key.partition(".")
    sections = {f.name: f for f in dataclasses.fields(Config)}
    if section_name not in sections or not name:
        raise UserError(f"unknown config key {key!r}: keys are section.name with section one of "
                        f"{', '.join(sections)} (see 'seqgan-gumbel train --help')")
    section = getattr(cfg, section_name)
    hints = typing.get_type_hints(type(section))
    if name not in hints:
        raise UserError(f"unknown config key {key!r}: {section_name} has "
                        f"{', '.join(hints)}")
    setattr(section, name, _convert(key, value, hints[name]))


def from_dict(data: dict, origin: str = "config", notify=None) -> Config:
    """A Config from {section: {key: value}}; notify(message) hears of renamed keys (None: silent,
    as for the configs inside checkpoints, which the user cannot edit)."""
    cfg = Config()
    for section, values in data.items():
        if not isinstance(values, dict):
            raise UserError(f"{origin}: {section!r} must be a [section] table")
        for name, value in values.items():
            _set(cfg, f"{section}.{name}", value, notify)
    return cfg


def stderr_notice(message: str) -> None:
    print(f"seqgan-gumbel: notice: {message}", file=sys.stderr)


def read_config(path: str | None, overrides: list[str], notify=stderr_notice) -> Config:
    """Defaults, then the TOML file (if any), then each key=value override; not yet validated
    (seqgan_gumbel.setup.config.load_config validates: the choices live with what they choose)."""
    data: dict = {}
    if path:
        p = input_file(path, "config file", "check the --config path")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UserError(f"config file {p} is not valid TOML: {e}") from None
    cfg = from_dict(data, str(path), notify)
    set_overrides(cfg, overrides, notify)
    return cfg


def set_overrides(cfg: Config, overrides: list[str], notify=stderr_notice) -> None:
    """Apply key=value overrides in order (not validated: see read_config)."""
    for item in overrides:
        key, eq, value = item.partition("=")
        if not eq:
            raise UserError(f"--set {item!r}: expected key=value, e.g. --set train.adv_steps=200")
        _set(cfg, key.strip(), value.strip(), notify)


def to_toml(cfg: Config) -> str:
    """The config as TOML that load_config reads back to an equal Config."""
    def fmt(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return repr(v)

    lines = []
    for section, values in cfg.to_dict().items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {fmt(v)}" for k, v in values.items()]
        lines.append("")
    return "\n".join(lines)


def describe_keys() -> str:
    """Every config key with its default, for --help."""
    out = []
    for f in dataclasses.fields(Config):
        section = f.default_factory()
        for name, value in dataclasses.asdict(section).items():
            out.append(f"  {f.name}.{name} = {value!r}")
    return "\n".join(out)
