import json
import random
from collections import Counter

import pytest

from seqgan_gumbel.setup.config import load_config
from seqgan_gumbel.data.corpus import read_lines, split_held_out, tokenizer_tokens, train_tokenizer
from seqgan_gumbel.kinds.corpus import corpus_data
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.data.vocab import SPECIALS

from conftest import COCO, needs_coco

LINES = ["a man rides a horse.", "two dogs play in the snow", "a man, a plan, a canal.",
         "the horse eats hay", "A Dog sleeps on the sofa", "snow falls on the horse"]


def _corpus(tmp_path, lines, name="c.txt"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _data(path, *overrides):
    cfg = load_config(None, ["data.kind=corpus", f"data.path={path}", *overrides])
    return corpus_data(cfg.data, cfg.train.seed)


def test_word_vocabulary_is_deterministic_across_runs_and_line_order(tmp_path):
    shuffled = LINES[:]
    random.Random(3).shuffle(shuffled)
    a = train_tokenizer(LINES)
    b = train_tokenizer(LINES)
    c = train_tokenizer(shuffled)
    assert tokenizer_tokens(a) == tokenizer_tokens(b) == tokenizer_tokens(c)
    tokens = tokenizer_tokens(a)
    assert tokens[:4] == SPECIALS
    # Most frequent first, ties alphabetical (counted independently); punctuation stays attached.
    counts = Counter(w for line in LINES for w in line.split())
    assert list(tokens[4:]) == sorted(counts, key=lambda w: (-counts[w], w))
    assert "horse." in tokens and "man," in tokens


@pytest.mark.parametrize("kind", ["word", "bpe"])
def test_encode_decode_round_trips_every_line(tmp_path, kind):
    data = _data(_corpus(tmp_path, LINES * 3), f"data.tokenizer={kind}", "data.bpe_vocab_size=60",
                 "data.test_fraction=0.2")
    assert data.stats["too_long"] == 0
    for row, seq in zip(data.ids, data.sequences):
        assert data.vocab.decode(row) == seq
    texts = {data.vocab.text(s) for s in data.sequences}
    assert texts <= set(LINES)


@needs_coco
@pytest.mark.parametrize("kind", ["word", "bpe"])
def test_coco_vocabulary_deterministic_and_round_trip(tmp_path, kind):
    lines = read_lines(COCO / "train.txt")
    shuffled = lines[:]
    random.Random(0).shuffle(shuffled)
    kw = {"vocab_size": 2000}
    a, b = train_tokenizer(lines, kind, **kw), train_tokenizer(shuffled, kind, **kw)
    assert a.to_str() == b.to_str()
    if kind == "word":
        assert a.get_vocab_size() == 6094 + 4   # the README's count of distinct whitespace tokens
    for line, enc in zip(lines, a.encode_batch(lines)):
        # Round trip up to runs of spaces (a few COCO captions hold double spaces).
        text = a.decode(enc.ids) if kind == "bpe" else " ".join(a.id_to_token(i) for i in enc.ids)
        assert text.split() == line.split()


def test_lowercase_min_freq_and_punctuation(tmp_path):
    tok = train_tokenizer(LINES, lowercase=True, min_freq=2)
    tokens = set(tokenizer_tokens(tok))
    assert "dog" not in tokens and "a" in tokens and "A" not in tokens
    assert tok.encode("A zebra").ids[1] == 3                      # unknown word -> <unk>
    split = train_tokenizer(LINES, split_punctuation=True)
    assert "." in tokenizer_tokens(split) and "horse." not in tokenizer_tokens(split)


def test_overlong_lines_dropped_or_truncated_and_counted(tmp_path):
    p = _corpus(tmp_path, LINES)
    dropped = _data(p, "data.max_len=4", "data.test_fraction=0.2")
    assert dropped.stats["too_long"] >= 1 and all(len(s) <= 4 for s in dropped.sequences)
    truncated = _data(p, "data.max_len=4", "data.overlong=truncate", "data.test_fraction=0.2")
    assert truncated.stats["train"] == len(LINES) - 1 and truncated.stats["too_long"] == dropped.stats["too_long"]
    assert truncated.ids.shape[1] == 5
    with pytest.raises(UserError, match="no line has at most 1 tokens"):
        _data(p, "data.max_len=1")


def test_held_out_split_is_seeded_and_disjoint():
    lines = [f"line {i}" for i in range(50)]
    a, b = split_held_out(lines, 0.2, 1), split_held_out(lines, 0.2, 1)
    assert a == b and len(a[1]) == 10 and not set(a[0]) & set(a[1])
    assert split_held_out(lines, 0.2, 2) != a


def test_corpus_errors(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        _data(tmp_path / "none.txt")
    with pytest.raises(UserError, match="is empty"):
        _data(_corpus(tmp_path, ["", "  "], "e.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes("ok line\nsecond line\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(UserError, match=r"not UTF-8 text \(line 3\)"):
        _data(bad)
    with pytest.raises(UserError, match="BPE vocabulary size 10 is smaller than the corpus alphabet"):
        _data(_corpus(tmp_path, LINES), "data.tokenizer=bpe", "data.bpe_vocab_size=10")


@needs_coco
@pytest.mark.slow
def test_short_coco_run_writes_decoded_text(tmp_path):
    from conftest import ROOT, run_cli

    out = tmp_path / "coco"
    r = run_cli("train", "--config", "configs/coco_gan.toml", "--quiet", "--out", out,
                "--set", "data.max_lines=1000", "--set", "train.mle_steps=30", "--set", "train.adv_steps=3",
                "--set", "train.log_every=10", "--set", "train.num_samples=50", "--set", "train.eval_test=200",
                "--set", "discriminator.num_filters=32", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    samples = (out / "samples.txt").read_text().splitlines()
    # coco.toml builds the vocabulary from train + test lines (the papers' protocol).
    vocab = set((out / "train.txt").read_text().split()) | set((out / "test.txt").read_text().split())
    assert len(samples) == 50
    words = [w for line in samples for w in line.split()]
    assert words and set(words) <= vocab | {"<unk>"}   # decoded words, not ids
    assert (out / "tokenizer.json").exists() and (out / "test.txt").exists()
    # Periodic evaluation of a corpus: exact BLEU against the held-out text and Self-BLEU.
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert all({"bleu2", "bleu5", "self_bleu4", "nll_test"} <= set(r) for r in rows)
    r = run_cli("sample", "--run", out, "--num", 3, cwd=ROOT)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3
