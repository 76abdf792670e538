import json
import random
import subprocess
import sys

import pytest
from nltk.translate.bleu_score import SmoothingFunction
from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu
from nltk.translate.bleu_score import sentence_bleu as nltk_sentence_bleu

from seqgan_gumbel.metrics import bleu
from seqgan_gumbel.cli.parser import main

from conftest import COCO, needs_coco

SMOOTH = SmoothingFunction().method1


def nltk_scores(refs, hyp, orders, smoothing=True):
    weights = [(1 / n,) * n for n in orders]
    # NLTK warns for zero counts without smoothing; the value is what we compare.
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = nltk_sentence_bleu(refs, hyp, weights, smoothing_function=SMOOTH if smoothing else None)
    return out if isinstance(out, list) else [out]


def assert_matches_nltk(hyps, refs, orders, smoothing=True):
    ours = bleu.sentence_bleu(hyps, refs, orders, smoothing)
    for i, h in enumerate(hyps):
        expected = nltk_scores(refs, h, orders, smoothing)
        for k, n in enumerate(orders):
            assert abs(ours[n][i] - expected[k]) <= 1e-9, (h, n, ours[n][i], expected[k])


REFS = ["a man rides a horse on the beach".split(), "two dogs play in the snow".split(),
        "a a a man".split(), "the the the the the".split(), "a horse".split()]


@pytest.mark.parametrize("smoothing", [True, False])
def test_edge_cases_match_nltk(smoothing):
    hyps = [[], ["a"], ["a", "man"], ["the"] * 7, ["a", "a", "a", "a", "man"], REFS[0][:], REFS[1][:],
            "a man rides a dog in the snow".split(), ["zebra", "unseen"], "horse a man".split()]
    assert_matches_nltk(hyps, REFS, [1, 2, 3, 4, 5, 6, 9], smoothing)


def test_empty_and_equal_hypotheses_closed_forms():
    s = bleu.sentence_bleu([[], REFS[1][:]], REFS, [2, 4])
    assert s[2][0] == 0.0 and s[4][0] == 0.0        # empty: no unigram matches
    assert s[2][1] == pytest.approx(1.0) and s[4][1] == pytest.approx(1.0)  # equal to a reference


@pytest.mark.parametrize("seed", [0, 1])
def test_random_small_vocabulary_matches_nltk(seed):
    # Tiny vocabulary and short lengths: many repeated n-grams, clipping and length ties.
    rng = random.Random(seed)
    sent = lambda: [rng.choice("abcde") for _ in range(rng.randint(0, 9))]
    refs = [s for s in (sent() for _ in range(40)) if s]
    hyps = [sent() for _ in range(150)]
    assert_matches_nltk(hyps, refs, [1, 2, 3, 4, 5], True)
    assert_matches_nltk(hyps[:60], refs, [2, 3, 4], False)


def test_self_bleu_is_leave_one_out_nltk():
    rng = random.Random(3)
    samples = [[rng.choice("abcd") for _ in range(rng.randint(1, 8))] for _ in range(40)]
    samples += [samples[0][:], samples[1][:], [], ["z"] * 11]   # duplicates, an empty one, a unique length
    ours = bleu.self_bleu(samples, [2, 3, 4, 5])
    for i, h in enumerate(samples):
        others = samples[:i] + samples[i + 1:]
        expected = nltk_scores(others, h, [2, 3, 4, 5])
        for k, n in enumerate([2, 3, 4, 5]):
            assert abs(ours[n][i] - expected[k]) <= 1e-9, (i, n)
    # A sentence compared with itself would score 1: leave-one-out must not.
    assert ours[4][len(samples) - 1] < 0.5


def test_corpus_bleu_matches_nltk():
    rng = random.Random(5)
    sent = lambda: [rng.choice("abcdef") for _ in range(rng.randint(1, 9))]
    refs, hyps = [sent() for _ in range(30)], [sent() for _ in range(50)]
    ours = bleu.corpus_bleu(hyps, refs, [2, 3, 4])
    for n in (2, 3, 4):
        expected = nltk_corpus_bleu([refs] * len(hyps), hyps, (1 / n,) * n, smoothing_function=SMOOTH)
        assert abs(ours[n] - expected) <= 1e-9


def test_orders_are_checked():
    for bad in ([0], [10], []):
        with pytest.raises(ValueError):
            bleu.sentence_bleu([["a"]], [["a"]], bad)


@needs_coco
@pytest.mark.slow
def test_coco_sample_matches_nltk_against_all_test_references():
    refs = [l.split() for l in (COCO / "test.txt").read_text().splitlines() if l.split()]
    train = [l.split() for l in (COCO / "train.txt").read_text().splitlines()]
    # 100 hypotheses spread over the file (RelGAN's own count), each against all 10,000 references:
    # NLTK takes about half a second a hypothesis here, and half of CI's minutes matter more than
    # the second hundred (the exact match of every score is the same test either way).
    hyps = train[::100]
    assert len(refs) == 10_000 and len(hyps) == 100
    assert_matches_nltk(hyps, refs, [2, 3, 4, 5])
    # The real-data reference of the shared README, all 10,000 lines against all 10,000.
    all_scores = bleu.sentence_bleu(train, refs, [2, 3, 4, 5])
    assert [round(float(all_scores[n].mean()), 3) for n in (2, 3, 4, 5)] == [0.709, 0.488, 0.310, 0.202]


def test_evaluate_text_command(tmp_path, capsys):
    (tmp_path / "h.txt").write_text("a man rides a horse\n\ntwo dogs play\n")
    (tmp_path / "r.txt").write_text("a man rides a horse on the beach\n\ntwo dogs play in the snow\n")
    assert main(["evaluate", "--samples", str(tmp_path / "h.txt"), "--references", str(tmp_path / "r.txt"),
                 "--bleu", "2,3,4,5", "--self-bleu", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert set(r["bleu"]) == set(r["self_bleu"]) == {"2", "3", "4", "5"}
    assert r["n_hypotheses"] == 3 and r["n_references"] == 2   # the empty sample counts, the empty reference not
    hyps = [l.split() for l in (tmp_path / "h.txt").read_text().splitlines()]
    refs = [l.split() for l in (tmp_path / "r.txt").read_text().splitlines() if l.split()]
    for n in (2, 3, 4, 5):
        expected = sum(nltk_scores(refs, h, [n])[0] for h in hyps) / 3
        assert r["bleu"][str(n)] == pytest.approx(expected, abs=1e-12)
    assert r["smoothing"].startswith("method1") and r["tokenization"].startswith("whitespace")


def test_evaluate_text_errors(tmp_path, capsys):
    ok = tmp_path / "ok.txt"
    ok.write_text("a b c\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    blank = tmp_path / "blank.txt"
    blank.write_text("\n\n  \n")
    ids = tmp_path / "ids.txt"
    ids.write_text("12 7 99\n")
    cases = [
        (["--samples", str(empty), "--references", str(ok)], "is empty"),
        (["--samples", str(ok), "--references", str(blank)], "is empty"),
        (["--samples", str(ok), "--references", str(ok), "--bleu", "0,2"], "between 1 and 9"),
        (["--samples", str(ok), "--references", str(ok), "--bleu", "10"], "between 1 and 9"),
        (["--samples", str(ok), "--references", str(ok), "--bleu", "two"], "integers"),
        (["--samples", str(ids), "--references", str(ok)], "different vocabularies"),
        (["--samples", str(ok), "--self-bleu"], "at least 2 samples"),
    ]
    for argv, match in cases:
        assert main(["evaluate", *argv]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and match in err, (argv, err)


def test_text_evaluation_does_not_import_torch(tmp_path):
    (tmp_path / "h.txt").write_text("a b c\nb c d\n")
    code = ("import sys; from seqgan_gumbel.cli.parser import main; "
            f"rc = main(['evaluate', '--samples', {str(tmp_path / 'h.txt')!r}, '--references', "
            f"{str(tmp_path / 'h.txt')!r}, '--self-bleu', '--json']); "
            "assert rc == 0; assert 'torch' not in sys.modules, 'torch was imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_relgans_small_sample_protocol_is_the_mean_nltk_bleu_of_each_seeded_draw():
    """RelGAN scored 100 hypotheses: each draw's figure must be NLTK's mean sentence BLEU of
    exactly the hypotheses that draw picked, and the draws must differ (they are random subsets)."""
    import numpy as np

    from seqgan_gumbel.metrics.text import small_sample_bleu

    rnd = random.Random(3)
    words = "a man rides horse on the beach two dogs play in snow".split()
    samples = [" ".join(rnd.choice(words) for _ in range(rnd.randint(3, 9))) for _ in range(30)]
    refs = [" ".join(r) for r in REFS]
    out = small_sample_bleu(samples, refs, size=5, draws=4, orders=(2, 4), seed=7)
    rng = np.random.default_rng(7)
    for d in range(4):
        pick = rng.choice(len(samples), 5, replace=False)
        for k, n in enumerate((2, 4)):
            expected = sum(nltk_scores(REFS, samples[i].split(), (2, 4))[k] for i in pick) / 5
            assert out[str(n)]["draws"][d] == pytest.approx(expected, abs=1e-9)
    for n in ("2", "4"):
        assert len(set(out[n]["draws"])) > 1
        assert out[n]["mean"] == pytest.approx(sum(out[n]["draws"]) / 4)
        assert out[n]["std"] == pytest.approx(float(np.std(out[n]["draws"], ddof=1)))
    with pytest.raises(Exception, match="fewer than the 50"):
        small_sample_bleu(samples, refs, size=50)
