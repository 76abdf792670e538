import random

import pytest

from seqgan_gumbel.config.schema import Config, from_dict, to_toml
from seqgan_gumbel.setup.config import load_config
from seqgan_gumbel.data.corpus import read_sequences
from seqgan_gumbel.kinds.grammar import grammar_data
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.data.grammar import load_grammar
from seqgan_gumbel.data.vocab import SPECIALS


def test_vocab_is_deterministic_and_round_trips(tmp_path):
    lines = ["x + y", "( x ) * y", "y / x - x"]
    shuffled = lines[:]
    random.Random(1).shuffle(shuffled)
    (tmp_path / "a.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "b.txt").write_text("\n".join(shuffled))
    a = grammar_data(None, str(tmp_path / "a.txt"), 0, 0)
    b = grammar_data(None, str(tmp_path / "b.txt"), 0, 0)
    assert a.vocab == b.vocab and a.vocab.tokens[:4] == SPECIALS
    for seq, row in zip(a.sequences, a.ids):
        assert a.vocab.decode(row) == seq
    assert a.ids.shape == (3, 6)


def test_grammar_data_is_seeded_and_uses_the_grammar_vocabulary():
    g = load_grammar("kusner")
    a, b = grammar_data(g, "", 100, 3), grammar_data(g, "", 100, 3)
    assert a.sequences == b.sequences and (a.ids == b.ids).all()
    assert set(a.vocab.tokens[4:]) == set(g.terminals) and a.seq_len == g.max_len + 1


def test_data_file_longer_lines_are_dropped_and_none_left_is_an_error(tmp_path):
    g = load_grammar("kusner", max_len=3)
    f = tmp_path / "d.txt"
    f.write_text("x + x\nx + x + x\n")
    assert grammar_data(g, str(f), 0, 0).sequences == [("x", "+", "x")]
    f.write_text("x + x + x\n")
    with pytest.raises(UserError, match="no sequence has at most 3 tokens"):
        grammar_data(g, str(f), 0, 0)


def test_read_errors(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_sequences(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(UserError, match="is empty"):
        read_sequences(tmp_path / "empty.txt")
    (tmp_path / "latin.txt").write_bytes(b"x + y\ncaf\xe9 + x\n")
    with pytest.raises(UserError, match=r"not UTF-8 text \(line 2\)"):
        read_sequences(tmp_path / "latin.txt")


def test_samples_keep_empty_lines(tmp_path):
    (tmp_path / "s.txt").write_text("x + y\n\nx\n")
    assert read_sequences(tmp_path / "s.txt", keep_empty=True) == [("x", "+", "y"), (), ("x",)]


def test_config_overrides_types_and_round_trip(tmp_path):
    cfg = load_config(None, ["train.adv_steps=7", "discriminator.filter_widths=2,3",
                             "discriminator.input=relaxed", "train.g_lr=3e-4", "data.grammar=kusner"])
    assert cfg.train.adv_steps == 7 and cfg.discriminator.filter_widths == [2, 3]
    assert cfg.discriminator.input == "relaxed" and cfg.train.g_lr == 3e-4
    p = tmp_path / "c.toml"
    p.write_text(to_toml(cfg))
    assert load_config(str(p), []) == cfg
    assert from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("item, match", [
    ("train.nope=1", "unknown config key 'train.nope'"),
    ("nope=1", "unknown config key 'nope'"),
    ("train.adv_steps=1.5", "train.adv_steps: '1.5' is not a valid int"),
    ("generator.straight_through=maybe", "not a valid bool"),
    ("train.loss=wgan", "train.loss: choose one of"),
    ("train.batch_size=0", "train.batch_size: must be at least 1"),
    ("relaxation.tau_end=0", "relaxation.tau_end: must be positive"),
    ("train.adv_steps", "expected key=value"),
    ("discriminator.per_step=true", "discriminator.per_step: scores prefixes with the lstm critic"),
    ("train.g_average=1", r"train.g_average: must be in \[0, 1\)"),
    ("data.validation_fraction=-0.1", r"data.validation_fraction: must be in \[0, 1\)"),
    ("discriminator.kind=lstm discriminator.spectral_norm=true", "discriminator.spectral_norm: applies to the cnn"),
    ("train.estimator=reinforce train.feature_matching=1", "train.feature_matching: needs the relaxation"),
    ("train.feature_matching=-1", "train.feature_matching: must be 0 or positive"),
    ("discriminator.layer_norm=true", "discriminator.layer_norm: applies to the lstm critic only"),
    ("discriminator.kind=lstm discriminator.prefix_loss=true", "discriminator.prefix_loss: scores each prefix"),
    ("discriminator.kind=lstm discriminator.per_step=true discriminator.minibatch_std=false "
     "discriminator.prefix_loss=true train.loss=rsgan", "discriminator.prefix_loss: scores each prefix"),
    ("discriminator.l2=-1e-6", "discriminator.l2: must be 0 or positive"),
])
def test_bad_overrides(item, match):
    """item: one override, or several separated by spaces."""
    with pytest.raises(UserError, match=match):
        load_config(None, item.split())


def test_bad_config_file(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_config(str(tmp_path / "none.toml"), [])
    (tmp_path / "bad.toml").write_text("[train\n")
    with pytest.raises(UserError, match="not valid TOML"):
        load_config(str(tmp_path / "bad.toml"), [])
    (tmp_path / "types.toml").write_text("[train]\nadv_steps = \"ten\"\n")
    with pytest.raises(UserError, match="train.adv_steps"):
        load_config(str(tmp_path / "types.toml"), [])


def test_defaults_are_valid():
    assert load_config(None, []) == Config()


def test_computation_ignores_where_a_run_is_made_but_not_what_it_computes():
    """Benchmarks resume a run made on another machine or checkout: device, threads, CUDA graphs and
    the path of the generator a GAN starts from do not make it another run; anything else does."""
    a, b = Config(), Config()
    b.train.device, b.train.threads, b.train.cuda_graphs = "cuda", 4, True
    a.train.init_generator, b.train.init_generator = "/x/runs/mle-s0/pretrained.pt", "/y/mle-s0/pretrained.pt"
    assert a.computation() == b.computation() and a.to_dict() != b.to_dict()
    for key, value in (("seed", 1), ("adv_steps", 7), ("g_lr", 1e-3)):
        c = Config()
        c.train.init_generator = a.train.init_generator
        setattr(c.train, key, value)
        assert c.computation() != a.computation(), key
