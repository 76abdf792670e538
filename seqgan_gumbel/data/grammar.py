"""Probabilistic context-free grammars defined as data: sampling, parsing and exact probabilities.

A grammar file has `start SYMBOL`, `max_len N` and rules `LHS -> RHS... PROB`; any symbol
that is never a left-hand side is a terminal. Sequences are conditioned on having at most
max_len tokens, so the exact probability of a string s is
    P(s | len <= max_len) = inside(s) / Z,   Z = P(len <= max_len),
where inside(s) sums over every parse (the grammars are ambiguous) and Z comes from a
dynamic programme over lengths. Sampling is rejection of longer derivations, which draws
from exactly that conditional distribution.
"""
from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from seqgan_gumbel.errors import UserError

BUILTIN_GRAMMARS = ("arith", "kusner")
MAX_GRAMMAR_LEN = 500      # the exact probabilities cost O(max_len^3) per string


@dataclass(frozen=True)
class Rule:
    lhs: str
    rhs: tuple[str, ...]
    prob: float


@dataclass
class Grammar:
    """A PCFG without empty rules or cycles of unit rules."""

    name: str
    start: str
    max_len: int
    rules: tuple[Rule, ...]
    nonterminals: tuple[str, ...] = field(init=False)
    terminals: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.nonterminals = tuple(sorted({r.lhs for r in self.rules}))
        nts = set(self.nonterminals)
        self.terminals = tuple(sorted({s for r in self.rules for s in r.rhs if s not in nts}))
        self._check()
        self._by_lhs: dict[str, list[Rule]] = defaultdict(list)
        for r in self.rules:
            self._by_lhs[r.lhs].append(r)
        self._binary, self._unit, self._lexical, self._order = self._binarize()
        self._inside_cached = lru_cache(maxsize=200_000)(self._inside)
        self.normalizer = sum(self.length_probabilities()[1:])
        if self.normalizer < 1e-12:   # sampling by rejection would never (or all but never) finish
            raise UserError(f"grammar {self.name!r} derives a string of at most {self.max_len} tokens with "
                            f"probability {self.normalizer:.2g}: its rules never (or hardly ever) finish within "
                            f"the limit (a rule like S -> S a never ends); fix the rules or raise max_len")

    # ----------------------------------------------------------------- checks
    def _check(self) -> None:
        where = f"grammar {self.name!r}"
        if self.start not in self.nonterminals:
            raise UserError(f"{where}: start symbol {self.start!r} has no rules")
        if not 1 <= self.max_len <= MAX_GRAMMAR_LEN:
            raise UserError(f"{where}: max_len must be between 1 and {MAX_GRAMMAR_LEN}, got {self.max_len}")
        totals: dict[str, float] = defaultdict(float)
        for r in self.rules:
            if not r.rhs:
                raise UserError(f"{where}: empty rule for {r.lhs!r}; empty rules are not supported")
            if not (0 < r.prob <= 1):
                raise UserError(f"{where}: rule {r.lhs} -> {' '.join(r.rhs)} has probability {r.prob}")
            totals[r.lhs] += r.prob
        for lhs, total in totals.items():
            if abs(total - 1) > 1e-9:
                raise UserError(f"{where}: probabilities of {lhs!r} sum to {total:g}, not 1")

    def _binarize(self):
        """Chomsky-like form: binary rules A -> B C, unit rules A -> B, lexical A -> a."""
        binary: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
        unit: dict[str, list[tuple[str, float]]] = defaultdict(list)
        lexical: dict[str, list[tuple[str, float]]] = defaultdict(list)
        symbols = set(self.nonterminals)
        fresh = 0
        for r in self.rules:
            rhs = list(r.rhs)
            if len(rhs) == 1:
                (lexical if rhs[0] not in symbols else unit)[r.lhs].append((rhs[0], r.prob))
                continue
            lhs, prob = r.lhs, r.prob
            while len(rhs) > 2:
                fresh += 1
                rest = f"<{r.lhs}.{fresh}>"
                binary[lhs].append((rhs[0], rest, prob))
                lhs, prob, rhs = rest, 1.0, rhs[1:]
                symbols.add(rest)
            binary[lhs].append((rhs[0], rhs[1], prob))
        # Unit rules must form no cycle; order symbols so that A -> B puts B before A.
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(a: str) -> None:
            if state.get(a) == 2:
                return
            if state.get(a) == 1:
                raise UserError(f"grammar {self.name!r}: unit rules form a cycle through {a!r}")
            state[a] = 1
            for b, _ in unit.get(a, ()):
                visit(b)
            state[a] = 2
            order.append(a)

        for a in sorted(symbols):
            visit(a)
        return dict(binary), dict(unit), dict(lexical), tuple(order)

    # ---------------------------------------------------------- probabilities
    def length_probabilities(self) -> list[float]:
        """P(the start symbol derives exactly n tokens) for n = 0..max_len (unconditioned)."""
        n_max = self.max_len
        f: dict[str, list[float]] = {a: [0.0] * (n_max + 1) for a in self._order}
        for t in self.terminals:
            f[t] = [0.0] * (n_max + 1)
            f[t][1] = 1.0
        for n in range(1, n_max + 1):
            for a in self._order:
                total = 0.0
                for t, p in self._lexical.get(a, ()):
                    total += p if n == 1 else 0.0
                for b, p in self._unit.get(a, ()):
                    total += p * f[b][n]
                for b, c, p in self._binary.get(a, ()):
                    fb, fc = f[b], f[c]
                    total += p * sum(fb[m] * fc[n - m] for m in range(1, n))
                f[a][n] = total
        return f[self.start]

    def _inside(self, tokens: tuple[str, ...]) -> float:
        n = len(tokens)
        # chart[i][j]: symbol -> P(symbol derives tokens[i:j]); terminals included.
        chart = [[dict() for _ in range(n + 1)] for _ in range(n + 1)]
        for i, tok in enumerate(tokens):
            chart[i][i + 1][tok] = 1.0
        for width in range(1, n + 1):
            for i in range(0, n - width + 1):
                j = i + width
                cell = chart[i][j]
                for a in self._order:
                    total = 0.0
                    if width == 1:
                        for t, p in self._lexical.get(a, ()):
                            if t == tokens[i]:
                                total += p
                    for b, p in self._unit.get(a, ()):
                        total += p * cell.get(b, 0.0)
                    for b, c, p in self._binary.get(a, ()):
                        for k in range(i + 1, j):
                            left = chart[i][k].get(b)
                            if left:
                                right = chart[k][j].get(c)
                                if right:
                                    total += p * left * right
                    if total:
                        cell[a] = total
        return chart[0][n].get(self.start, 0.0)

    def inside(self, tokens) -> float:
        """Unconditioned probability that the start symbol derives exactly these tokens."""
        tokens = tuple(tokens)
        if not tokens or len(tokens) > self.max_len or any(t not in self.terminals for t in tokens):
            return 0.0
        return self._inside_cached(tokens)

    def prob(self, tokens) -> float:
        """Exact probability of the string under the grammar conditioned on len <= max_len."""
        return self.inside(tokens) / self.normalizer

    def is_valid(self, tokens) -> bool:
        return self.inside(tokens) > 0.0

    def nll(self, tokens) -> float:
        """-log P(tokens | len <= max_len) in nats; inf for strings outside the language."""
        p = self.prob(tokens)
        return -math.log(p) if p > 0 else math.inf

    # --------------------------------------------------------------- sampling
    def sample(self, rng: random.Random) -> tuple[str, ...]:
        """One string from the grammar, conditioned on at most max_len tokens (rejection)."""
        while True:
            out = self._try_sample(rng)
            if out is not None:
                return out

    def _try_sample(self, rng: random.Random) -> tuple[str, ...] | None:
        stack = [self.start]
        out: list[str] = []
        while stack:
            sym = stack.pop()
            rules = self._by_lhs.get(sym)
            if rules is None:
                out.append(sym)
                continue
            u, acc = rng.random(), 0.0
            chosen = rules[-1]
            for r in rules:
                acc += r.prob
                if u < acc:
                    chosen = r
                    break
            stack.extend(reversed(chosen.rhs))
            # Every pending symbol yields at least one token, so this bounds the final length.
            if len(out) + len(stack) > self.max_len:
                return None
        return tuple(out)

    def samples(self, n: int, seed: int) -> list[tuple[str, ...]]:
        rng = random.Random(seed)
        return [self.sample(rng) for _ in range(n)]


def parse_grammar(text: str, name: str) -> Grammar:
    start, max_len, rules = None, None, []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if parts[0] == "start" and len(parts) == 2:
            start = parts[1]
        elif parts[0] == "max_len" and len(parts) == 2:
            if not parts[1].isdigit() or not 1 <= int(parts[1]) <= MAX_GRAMMAR_LEN:
                raise UserError(f"grammar {name!r} line {lineno}: max_len must be a whole number from 1 to "
                                f"{MAX_GRAMMAR_LEN}, got {parts[1]}")
            max_len = int(parts[1])
        elif len(parts) >= 4 and parts[1] == "->":
            try:
                prob = float(parts[-1])
            except ValueError:
                raise UserError(f"grammar {name!r} line {lineno}: rule must end with a probability") from None
            rules.append(Rule(parts[0], tuple(parts[2:-1]), prob))
        else:
            raise UserError(f"grammar {name!r} line {lineno}: expected 'start S', 'max_len N' "
                            f"or 'LHS -> RHS... PROB', got {line!r}")
    if start is None or max_len is None or not rules:
        raise UserError(f"grammar {name!r}: needs a 'start' line, a 'max_len' line and rules")
    return Grammar(name=name, start=start, max_len=max_len, rules=tuple(rules))


def load_grammar(name_or_path: str, max_len: int | None = None) -> Grammar:
    """A built-in grammar by name, or a grammar file by path; max_len overrides the file's."""
    if name_or_path in BUILTIN_GRAMMARS:
        text = resources.files("seqgan_gumbel.data.grammars").joinpath(f"{name_or_path}.cfg").read_text()
        name = name_or_path
    else:
        path = Path(name_or_path)
        if not path.suffix or not path.is_file():
            raise UserError(f"unknown grammar {name_or_path!r}: use one of "
                            f"{', '.join(BUILTIN_GRAMMARS)} or the path of a .cfg grammar file")
        try:
            text, name = path.read_text(encoding="utf-8"), path.stem
        except UnicodeDecodeError:
            raise UserError(f"grammar file {path} is not UTF-8 text; convert it to UTF-8") from None
    g = parse_grammar(text, name)
    if max_len is not None and max_len != g.max_len:
        g = Grammar(name=g.name, start=g.start, max_len=max_len, rules=g.rules)
    return g
