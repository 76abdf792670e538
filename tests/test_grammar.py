import itertools
import math
import random
from collections import Counter

import pytest
from scipy import stats

from seqgan_gumbel.errors import UserError
from seqgan_gumbel.data.grammar import Grammar, Rule, load_grammar, parse_grammar


def enumerate_language(g: Grammar) -> set[tuple[str, ...]]:
    """Every string of at most max_len tokens, by expanding sentential forms (independent of inside)."""
    rules = {}
    for r in g.rules:
        rules.setdefault(r.lhs, []).append(r.rhs)
    out, seen, todo = set(), set(), [(g.start,)]
    while todo:
        form = todo.pop()
        i = next((k for k, s in enumerate(form) if s in rules), None)
        if i is None:
            out.add(form)
            continue
        for rhs in rules[form[i]]:
            new = form[:i] + rhs + form[i + 1:]
            if len(new) <= g.max_len and new not in seen:  # no empty rules: forms never shrink
                seen.add(new)
                todo.append(new)
    return out


def catalan(k: int) -> int:
    return math.comb(2 * k, k) // (k + 1)


def test_kusner_probabilities_match_closed_form_and_sum_to_one():
    g = load_grammar("kusner")
    # With k operators: Catalan(k) parses (all operators share one rule shape), each of
    # probability 0.1^k 0.6^(k+1); Z sums that over the 4^k operator strings of length <= 12.
    z = sum(4 ** k * catalan(k) * 0.1 ** k * 0.6 ** (k + 1) for k in range(6))
    assert g.normalizer == pytest.approx(z, rel=1e-12)
    language = enumerate_language(g)
    assert len(language) == sum(4 ** k for k in range(6))
    total = 0.0
    for s in language:
        k = len(s) // 2
        expected = catalan(k) * 0.1 ** k * 0.6 ** (k + 1) / z
        assert g.prob(s) == pytest.approx(expected, rel=1e-12)
        total += g.prob(s)
    assert total == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("max_len", [7, 9])
def test_arith_probabilities_sum_to_one_over_enumeration(max_len):
    g = load_grammar("arith", max_len=max_len)
    language = enumerate_language(g)
    assert sum(g.prob(s) for s in language) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", ["kusner", "arith"])
def test_parser_accepts_exactly_the_language(name):
    g = load_grammar(name, max_len=5)
    language = enumerate_language(g)
    accepted = {s for n in range(1, 6) for s in itertools.product(g.terminals, repeat=n) if g.is_valid(s)}
    assert accepted == language
    assert not g.is_valid(()) and not g.is_valid(("x", "?", "x"))


def test_arith_examples():
    g = load_grammar("arith")
    ok = ["x + y", "( x ) * y", "x + ( y / ( x - y ) )", "x / y - ( x )"]
    bad = ["x", "( x + y )", "x + ( y", "x + + y", "x y", "( ) + x", "x + y + x + y + x + y + x + y + x"]
    assert all(g.is_valid(s.split()) for s in ok)
    assert not any(g.is_valid(s.split()) for s in bad)  # the last has 17 tokens: over max_len


def _chi_square_p(samples, prob):
    counts = Counter(samples)
    n = len(samples)
    big = [s for s in counts if prob(s) * n >= 5]
    obs = [counts[s] for s in big]
    exp = [prob(s) * n for s in big]
    obs.append(n - sum(obs))
    exp.append(n - sum(exp))
    return stats.chisquare(obs, exp)[1]


@pytest.mark.parametrize("name", ["kusner", "arith"])
def test_sampler_frequencies_match_exact_probabilities(name):
    g = load_grammar(name)
    samples = g.samples(20_000, seed=7)
    assert max(map(len, samples)) <= g.max_len
    assert _chi_square_p(samples, g.prob) > 1e-3
    # The same test rejects a grammar whose weights differ by 0.05 (it has the power to fail).
    a, b = g.rules[-2], g.rules[-1]
    tilted = g.rules[:-2] + (Rule(a.lhs, a.rhs, a.prob + 0.05), Rule(b.lhs, b.rhs, b.prob - 0.05))
    other = Grammar(g.name, g.start, g.max_len, tilted)
    assert _chi_square_p(samples, other.prob) < 1e-4


def test_sampling_is_seeded():
    g = load_grammar("arith")
    assert g.samples(50, 3) == g.samples(50, 3) != g.samples(50, 4)
    assert g.sample(random.Random(0)) == g.sample(random.Random(0))


@pytest.mark.parametrize("text, match", [
    ("start S\nmax_len 5\nS -> x 0.5\nS -> S S 0.4\n", "sum to 0.9"),
    ("start S\nmax_len 5\nS -> A 0.5\nS -> x 0.5\nA -> S 1.0\n", "cycle"),
    ("start T\nmax_len 5\nS -> x 1.0\n", "start symbol"),
    ("start S\nmax_len 5\nS -> x abc\n", "probability"),
    ("start S\nS -> x 1.0\n", "max_len"),
    ("hello\n", "line 1"),
])
def test_bad_grammars_are_user_errors(text, match):
    with pytest.raises(UserError, match=match):
        parse_grammar(text, "bad")


def test_unknown_grammar_name():
    with pytest.raises(UserError, match="unknown grammar 'nope'"):
        load_grammar("nope")


def test_grammar_file_by_path(tmp_path):
    p = tmp_path / "ab.cfg"
    p.write_text("start S\nmax_len 4\nS -> a 0.5\nS -> a S 0.5\n")
    g = load_grammar(str(p))
    # P(a^n) = 0.5^n, conditioned on n <= 4.
    z = sum(0.5 ** n for n in range(1, 5))
    assert g.prob(("a", "a")) == pytest.approx(0.25 / z)
    assert g.nll(("a", "b")) == math.inf
