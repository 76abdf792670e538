import math

import pytest

from seqgan_gumbel.models.schedules import SCHEDULES, jang_rate, temperature

ANNEALING = [s for s in SCHEDULES if s != "constant"]


@pytest.mark.parametrize("name", ANNEALING)
@pytest.mark.parametrize("n", [2, 7, 2000])
def test_endpoints_are_exact(name, n):
    assert temperature(name, 0, n, 2.0, 0.05) == pytest.approx(2.0, rel=1e-12)
    assert temperature(name, n - 1, n, 2.0, 0.05) == 0.05
    assert temperature(name, n + 10, n, 2.0, 0.05) == 0.05


@pytest.mark.parametrize("name", ANNEALING)
def test_monotone(name):
    n = 500
    down = [temperature(name, i, n, 1.0, 0.01) for i in range(n)]
    assert all(a >= b for a, b in zip(down, down[1:]))
    assert down[0] > down[n // 2] > down[-1] or name == "jang"
    if name != "jang":
        up = [temperature(name, i, n, 0.1, 1.0) for i in range(n)]
        assert all(a <= b for a, b in zip(up, up[1:]))


def test_constant_stays_at_start():
    assert {temperature("constant", i, 10, 0.3, 0.01) for i in range(12)} == {0.3}


def test_relgan_shapes_in_inverse_temperature():
    # Linear in beta = 1/tau: halfway, beta is the mean of the two ends.
    n = 101
    assert 1 / temperature("linear", 50, n, 1.0, 0.01) == pytest.approx((1 + 100) / 2)
    assert 1 / temperature("quadratic", 50, n, 1.0, 0.01) == pytest.approx(1 + 99 * 0.25)
    assert 1 / temperature("sqrt", 25, n, 1.0, 0.01) == pytest.approx(1 + 99 * 0.5)
    assert 1 / temperature("log", 9, n, 1.0, 0.01) == pytest.approx(1 + 99 * math.log(10) / math.log(101))
    assert 1 / temperature("sigmoid", 50, n, 1.0, 0.01) == pytest.approx(1 + 99 * 0.5)
    # Exponential is geometric: the midpoint is the geometric mean.
    assert temperature("exponential", 50, n, 1.0, 0.01) == pytest.approx(0.1)


def test_jang_formula_and_rate():
    n, r = 1000, jang_rate(1.0, 0.1, 1000)
    for step in (0, 10, 500, 998):
        assert temperature("jang", step, n, 1.0, 0.1) == pytest.approx(max(0.1, math.exp(-r * step)))
    # A faster rate is clamped at tau_end before the last step.
    assert temperature("jang", 600, n, 1.0, 0.1, rate=2 * r) == 0.1
    with pytest.raises(ValueError, match="too small"):
        temperature("jang", 5, n, 1.0, 0.1, rate=r / 2)


def test_unknown_schedule():
    with pytest.raises(ValueError):
        temperature("cosine", 0, 10, 1.0, 0.1)


def test_linear_lr_decay_falls_by_equal_steps_to_one_step_above_zero():
    from seqgan_gumbel.models.schedules import lr_factor

    assert [lr_factor("constant", s, 4) for s in range(4)] == [1.0] * 4
    assert [lr_factor("linear", s, 4) for s in range(4)] == [1.0, 0.75, 0.5, 0.25]
