"""The statistics the benchmarks and the renderers share: means over seeds, their spread, and where
a point stands against a curve. One copy each, so a result file and the table drawn from it agree."""
from __future__ import annotations

import math
import statistics


def mean_sd(values: list[float], single: float | None = None) -> tuple[float, float | None]:
    """(mean, sample standard deviation) of seed figures; the deviation of one value is `single`."""
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else single)


def mean_se(values: list[float]) -> dict:
    """{"mean", "se": standard error of the mean (nan for one value), "n"}; {} for none."""
    if not values:
        return {}
    sd = statistics.stdev(values) if len(values) > 1 else float("nan")
    return {"mean": statistics.fmean(values), "se": sd / math.sqrt(len(values)), "n": len(values)}


def mean_se_text(values: list[float], digits: int = 3, sign: bool = False) -> str:
    """"mean ± standard error" of seed figures at the given decimals (the mean alone for one value;
    sign: the mean with its sign, for differences)."""
    m = mean_se(values)
    text = f"{m['mean']:{'+' if sign else ''}.{digits}f}"
    return text + (f" ± {m['se']:.{digits}f}" if m["n"] > 1 else "")


def diff_se_text(a: list[float], b: list[float], digits: int = 3) -> str:
    """"difference of the seed means ± its standard error" (diff_se), signed; the difference alone
    while either side has a single seed."""
    se = diff_se(a, b)
    return f"{statistics.fmean(a) - statistics.fmean(b):+.{digits}f}" + (f" ± {se:.{digits}f}" if se is not None else "")


def by_temperature(rows: list[dict]) -> dict[float, dict]:
    """Per sampling temperature, the mean over seeds of every float figure of sweep rows, and "n",
    the number of rows (seeds) averaged; temperatures in increasing order."""
    out = {}
    for t in sorted({r["temperature"] for r in rows}):
        at = [r for r in rows if r["temperature"] == t]
        out[t] = {k: statistics.fmean(r[k] for r in at) for k in at[0] if isinstance(at[0][k], float)}
        out[t]["n"] = len(at)
    return out


def interpolate(points: list[tuple[float, float]], x: float) -> float | None:
    """A curve's y at x, linear between the two points around x (the first pair that holds it,
    in x order); None outside the curve's x range."""
    pts = sorted(points)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


def diff_se(a: list[float], b: list[float]) -> float | None:
    """Standard error of (mean of a - mean of b) over n = min(len) seeds each,
    sqrt((var a + var b) / n): the noise a gap between two variants is judged against (None under 2)."""
    n = min(len(a), len(b))
    return ((statistics.variance(a) + statistics.variance(b)) / n) ** 0.5 if n > 1 else None


def frontier_gap(curve: list[tuple[float, float]], x: float, y: float) -> float:
    """How far (x, y) lies above the frontier of a set of points where a lower x and a higher y are
    better: y minus the frontier's y at x. The frontier is the points no other point beats on both,
    joined by straight lines and held flat beyond its ends (a point less diverse than all of them is
    set against their best y, one more diverse against the most diverse end). Positive: above it."""
    front: list[tuple[float, float]] = []
    for px, py in sorted(curve):
        if not front or py > front[-1][1]:
            front.append((px, py))
    if x <= front[0][0]:
        return y - front[0][1]
    if x >= front[-1][0]:
        return y - front[-1][1]
    return y - interpolate(front, x)


def spearman(truth: list[float | None], judged: list[float | None]) -> float | None:
    """Spearman's rank correlation of a judge's figures with the truth's (scipy's, ties averaged),
    over the pairs where both are defined (a grammar NLL of the valid samples is None where none
    was valid); None with fewer than two such pairs."""
    from scipy.stats import spearmanr

    pairs = [(a, b) for a, b in zip(truth, judged, strict=True) if a is not None and b is not None]
    if len(pairs) < 2:
        return None
    return float(spearmanr(*zip(*pairs)).statistic)
