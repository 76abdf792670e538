"""Temperature schedules: tau annealed from tau_start to tau_end over a fixed number of steps.

Every schedule is exact at both ends: step 0 gives tau_start and step num_steps - 1 gives
tau_end (RelGAN's code divides by a hard-coded N = 5000 while training fewer steps, so its
target temperature is never reached). The RelGAN family (linear, sigmoid, log, sqrt,
quadratic) shapes the inverse temperature beta = 1 / tau as RelGAN does, from
1 / tau_start to 1 / tau_end; 'exponential' is geometric, the same in tau as in beta.
They are chosen by name from SCHEDULES, a read-only registry as LOSSES and CRITICS are.
"""
from __future__ import annotations

import math
from types import MappingProxyType


def lr_factor(decay: str, step: int, num_steps: int) -> float:
    """The learning rate's share at adversarial `step` (0-based) of `num_steps`: 1 throughout
    for 'constant'; for 'linear' 1 at the first step, falling by 1 / num_steps a step."""
    return 1.0 if decay == "constant" else 1.0 - step / num_steps


def jang_rate(tau_start: float, tau_end: float, num_steps: int) -> float:
    """The rate r at which tau_start * exp(-r * step) meets tau_end exactly at the last step."""
    if num_steps <= 1 or tau_end >= tau_start:
        return 0.0
    return math.log(tau_start / tau_end) / (num_steps - 1)


def _beta(shape):
    """A RelGAN schedule: beta = 1 / tau from 1 / tau_start to 1 / tau_end along shape(p), p the
    share of the way (g(0) = 0, g(1) = 1, non-decreasing)."""
    def schedule(step: int, num_steps: int, tau_start: float, tau_end: float, rate: float | None) -> float:
        g = shape(step, num_steps - 1)
        beta_start, beta_end = 1.0 / tau_start, 1.0 / tau_end
        return 1.0 / (beta_start + (beta_end - beta_start) * g)
    return schedule


def _exponential(step: int, num_steps: int, tau_start: float, tau_end: float, rate: float | None) -> float:
    return tau_start * (tau_end / tau_start) ** (step / (num_steps - 1))


def _jang(step: int, num_steps: int, tau_start: float, tau_end: float, rate: float | None) -> float:
    needed = jang_rate(tau_start, tau_end, num_steps)
    r = needed if rate is None else rate
    if r < needed * (1 - 1e-12):
        raise ValueError(f"jang rate {r} is too small to anneal from {tau_start} to {tau_end} "
                         f"in {num_steps} steps; use at least {needed:.6g}")
    return max(tau_end, tau_start * math.exp(-r * step))


_LO, _HI = 1 / (1 + math.exp(10.0)), 1 / (1 + math.exp(-10.0))

# The schedules by name (relaxation.schedule), each tau at an inner step (0 < step < last) of
# num_steps; `temperature` handles the two ends, exact for every one of them but "constant".
SCHEDULES = MappingProxyType({
    "constant": None,
    "linear": _beta(lambda step, last: step / last),
    "exponential": _exponential,
    "sigmoid": _beta(lambda step, last: (1 / (1 + math.exp(-20.0 * (step / last - 0.5))) - _LO) / (_HI - _LO)),
    "log": _beta(lambda step, last: math.log1p(step) / math.log1p(last)),
    "sqrt": _beta(lambda step, last: math.sqrt(step / last)),
    "quadratic": _beta(lambda step, last: (step / last) * (step / last)),
    "jang": _jang,
})


def temperature(name: str, step: int, num_steps: int, tau_start: float, tau_end: float,
                rate: float | None = None) -> float:
    """tau at `step` (0-based) of `num_steps`; steps past the end stay at tau_end; "constant" is
    tau_start throughout.

    'jang' is Jang et al.'s max(tau_end, tau_start * exp(-rate * step)); rate defaults to the
    value that reaches tau_end exactly at the last step, and a rate too small to get there is
    an error rather than a silent miss.
    """
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
    if tau_start <= 0 or tau_end <= 0:
        raise ValueError("temperatures must be positive")
    if name == "constant":
        return tau_start
    if num_steps <= 1 or step >= num_steps - 1:
        return tau_end
    return SCHEDULES[name](max(step, 0), num_steps, tau_start, tau_end, rate)
