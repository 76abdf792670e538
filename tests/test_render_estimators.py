"""The estimators at a matched wall time: the updates each estimator's share of the relaxation's
time buys, read off its runs' curves, on result files built by hand."""
import importlib
import json

import pytest


def _seed(updates, valids, ratios):
    steps = [i * updates // (len(valids) - 1) for i in range(len(valids))]
    return {"adv_updates": updates, "valid": valids[-1], "gen_nll_test_ratio": ratios[-1],
            "curve": [{"step": s, "valid": v, "gen_nll_test_ratio": r} for s, v, r in zip(steps, valids, ratios)]}


def _write(path, seeds):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"runs": {"scratch": {"config": "configs/arith_scratch.toml", "overrides": [],
                                                     "seeds": seeds}}, "reference": {}, "set": []}))


def _row(table, estimator):
    return next(line for line in table.splitlines() if line.startswith("| from scratch") and estimator in line)


def test_each_estimator_is_read_off_its_curve_at_the_updates_the_relaxations_time_buys(tmp_path):
    et = importlib.import_module("scripts.render.estimators_time")
    assert et.matched_table("arith", tmp_path).startswith("(not measured yet")
    (tmp_path / "speed_arith.json").write_text(json.dumps({"machine": "test", "rows": [    # s an update: 1, 4, 0.5
        {"start": "scratch", "estimator": e, "adv_updates": 100, "clock": [[0, 0.0], [50, 50 * s], [100, 100 * s]]}
        for e, s in (("gumbel", 1.0), ("reinforce_rollout", 4.0), ("reinforce_dense", 0.5))]}))
    _write(tmp_path / "gumbel/arith.json", {"0": _seed(100, [0.0, 0.5, 0.9], [2.0, 1.5, 1.1]),
                                             "1": _seed(100, [0.0, 0.5, 0.7], [2.0, 1.5, 1.3])})
    # rollouts: 4 s an update, so the relaxation's 100 s buy 25 updates: halfway to the first log step
    _write(tmp_path / "reinforce_rollout/arith.json", {"0": _seed(100, [0.0, 0.4, 0.8], [2.0, 1.6, 1.2]),
                                                        "1": _seed(100, [0.2, 0.6, 0.8], [2.0, 1.4, 1.2])})
    # dense rewards: 0.5 s an update buys 200 (past its clock's end, at its last rate), twice what its runs made
    _write(tmp_path / "reinforce_dense/arith.json", {"0": _seed(100, [0.0, 0.3, 0.6], [2.0, 1.8, 1.6]),
                                                      "1": _seed(100, [0.0, 0.3, 0.6], [2.0, 1.8, 1.6])})
    table = et.matched_table("arith", tmp_path)
    cells = [c.strip() for c in _row(table, "relaxation").split("|")]
    assert cells[4:8] == ["100", "2", "0.800 ± 0.100", "1.200 ± 0.100"]      # its own budget: its runs' ends
    cells = [c.strip() for c in _row(table, "rollout").split("|")]
    assert cells[3:8] == ["400 s", "25", "2", "0.300 ± 0.100", "1.750 ± 0.050"]   # (0.2, 0.4) and (1.8, 1.7)
    assert cells[8].startswith("-0.500 ± ") and cells[9].startswith("+0.550 ± ")
    se = ((0.1 ** 2 * 2 + 0.1 ** 2 * 2) / 2) ** 0.5                   # both seed pairs: variance 0.02 each
    assert cells[8] == f"-0.500 ± {se:.3f}"
    dense = _row(table, "dense")
    assert "200 (its runs end at 100: 50% of the budget)" in dense and "| 0.600 ± 0.000 |" in dense
    # longer runs of the same variant are read where the budget falls inside them
    _write(tmp_path / "reinforce_dense_long/arith.json", {"0": _seed(400, [0.0, 0.5, 0.9, 0.9, 0.9], [2.0] * 5),
                                                           "1": _seed(400, [0.0, 0.7, 0.9, 0.9, 0.9], [2.0] * 5)})
    cells = [c.strip() for c in _row(et.matched_table("arith", tmp_path), "dense").split("|")]
    assert cells[4:7] == ["200", "2", "0.900 ± 0.000"] and cells[8].startswith("+0.100 ± ")


def test_a_runs_clock_starts_at_its_adversarial_phase():
    """After a warm-up no row marks the phase's start: it is taken back from the first two log steps."""
    clock = importlib.import_module("scripts.bench.estimator_speed").clock
    curve = [{"step": 0, "elapsed_s": 1.0}, {"step": 50, "elapsed_s": 30.0}, {"step": 100, "elapsed_s": 40.0},
             {"step": 150, "elapsed_s": 52.0}]
    assert clock(curve, "gan") == [[0, 0.0], [50, 10.0], [100, 20.0], [150, 32.0]]
    assert clock(curve, "scratch") == [[0, 0.0], [50, 29.0], [100, 39.0], [150, 51.0]]


def test_a_longer_or_larger_batch_run_of_an_estimator_is_a_row_of_its_own_set_against_the_relaxation(tmp_path):
    est = importlib.import_module("scripts.render.estimators")
    figures = {"unique_ratio": 1.0, "nll_samples_ratio": 1.0, "wall_s": 10.0, "threads": 1}

    def write(path, updates, valids):
        path.parent.mkdir(parents=True, exist_ok=True)
        seeds = {str(i): figures | {"adv_updates": updates, "valid": v, "gen_nll_test_ratio": 1.0 + v / 10}
                 for i, v in enumerate(valids)}
        path.write_text(json.dumps({"runs": {"scratch": {"config": None, "overrides": [], "seeds": seeds}},
                                    "reference": {"unique": 0.4, "valid": 1.0}, "set": []}))

    write(tmp_path / "gumbel/arith.json", 100, [0.9, 0.8])
    assert "longer" not in est.table("arith", tmp_path)
    write(tmp_path / "gumbel_long/arith.json", 300, [0.95, 0.95, 0.98])
    row = _row(est.table("arith", tmp_path), "longer")
    cells = [c.strip() for c in row.split("|")]
    se = (0.005 / 2 + 0.0003 / 3) ** 0.5          # each mean's variance: sample variance / seeds
    assert cells[2:4] == ["Gumbel-softmax relaxation, longer (its schedules stretched)", "3"]
    assert cells[8] == f"+0.110 ± {se:.3f}" and cells[10] == "300"      # 0.96 against the shorter run's 0.85
    # ScratchGAN's batches: a row of the dense estimator's own, beside the longer one, set against the relaxation
    write(tmp_path / "reinforce_dense_b512/arith.json", 100, [0.7, 0.8])
    table = est.table("arith", tmp_path)
    cells = [c.strip() for c in _row(table, "batches of 512").split("|")]
    assert cells[2:4] == ["REINFORCE, dense rewards (ScratchGAN), batches of 512 (ScratchGAN's)", "2"]
    assert cells[4] == "0.750 ± 0.050" and cells[8] == "-0.100 ± 0.071"     # both pairs 0.1 apart: se √(2 × 0.0025)
    assert "longer" in _row(table, "longer")
    # and with its discount and baseline decay too: one more row, after the batch's alone
    write(tmp_path / "reinforce_dense_sg512/arith.json", 100, [0.85, 0.95])
    table = est.table("arith", tmp_path)
    cells = [c.strip() for c in _row(table, "discount (0.23)").split("|")]
    assert cells[3:5] == ["2", "0.900 ± 0.050"] and cells[8] == "+0.050 ± 0.071"
    assert table.index("batches of 512 (ScratchGAN's)") < table.index("discount (0.23)")
    # and each of the two alone: a row apiece, after both together
    write(tmp_path / "reinforce_dense_sg512_decay/arith.json", 100, [0.6, 0.7])
    write(tmp_path / "reinforce_dense_sg512_discount/arith.json", 100, [0.9])
    table = est.table("arith", tmp_path)
    discount, decay = (_row(table, f"its {key} alone") for key in ("discount (0.23)", "baseline decay (0.08)"))
    assert [c.strip() for c in discount.split("|")][3:5] == ["1", "0.900"]
    assert [c.strip() for c in decay.split("|")][3:5] == ["2", "0.650 ± 0.050"]
    assert table.index("decay (0.08) |") < table.index(discount) < table.index(decay)
    # and ScratchGAN's critic, its schedule, then everything: a row apiece, in that order, after those
    for i, suffix in enumerate(("sg512_all", "sg512_critic1", "sg512_critic")):
        write(tmp_path / f"reinforce_dense_{suffix}/arith.json", 100, [0.5 + i / 10])
    table = est.table("arith", tmp_path)
    critic, schedule, whole = (_row(table, key) for key in (
        "and critic (cross-entropy on every prefix", "critic and its schedule (one critic step",
        "its schedule, discount (0.23) and baseline decay"))
    assert [[c.strip() for c in row.split("|")][3:5] for row in (critic, schedule, whole)] == [
        ["1", "0.700"], ["1", "0.600"], ["1", "0.500"]]
    assert table.index(decay) < table.index(critic) < table.index(schedule) < table.index(whole)
    # and all of them for twice the updates: the last of ScratchGAN's rows, its updates those of its seeds
    write(tmp_path / "reinforce_dense_sg512_all_long/arith.json", 200, [0.95, 0.99])
    table = est.table("arith", tmp_path)
    longest = _row(table, "all of ScratchGAN's above, twice the updates")
    cells = [c.strip() for c in longest.split("|")]
    assert cells[3:5] == ["2", "0.970 ± 0.020"] and cells[10] == "200"
    assert table.index(whole) < table.index(longest)
    # and at half the batch for four times the updates: after it
    write(tmp_path / "reinforce_dense_sg256_all_4x/arith.json", 400, [0.99])
    table = est.table("arith", tmp_path)
    cells = [c.strip() for c in _row(table, "but batches of 256, four times the updates").split("|")]
    assert cells[3:5] == ["1", "0.990"] and cells[10] == "400" and table.index(longest) < table.index(cells[2])
    # and with the whole string's reward on every token: after that
    write(tmp_path / "reinforce_dense_sg512_all_long_term/arith.json", 200, [0.995])
    table = est.table("arith", tmp_path)
    term = [c.strip() for c in _row(table, "the whole string's reward added").split("|")]
    assert term[3:5] == ["1", "0.995"] and term[10] == "200" and table.index(cells[2]) < table.index(term[2])


def test_a_seed_that_drew_no_valid_string_is_counted_out_of_the_sample_nll_and_misses_the_targets(tmp_path):
    """A collapsed seed has no sample NLL (null in its file): the mean is taken over the others and
    the cell says so; that seed meets no target; the other figures keep every seed."""
    est = importlib.import_module("scripts.render.estimators")
    seed = {"valid": 0.995, "unique_ratio": 1.0, "nll_samples_ratio": 1.01, "gen_nll_test_ratio": 1.01,
            "wall_s": 100.0, "threads": 1, "adv_updates": 100}
    seeds = {"0": seed, "1": seed | {"nll_samples_ratio": 0.97}, "2": seed | {"valid": 0.0, "nll_samples_ratio": None}}
    path = tmp_path / "reinforce_dense/arith.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"runs": {"scratch": {"config": None, "overrides": [], "seeds": seeds}},
                                "reference": {"unique": 0.4, "valid": 1.0}, "set": []}))
    cells = [c.strip() for c in _row(est.table("arith", tmp_path), "dense rewards").split("|")]
    assert cells[4] == "0.663 ± 0.332"                                  # validity over all three
    assert cells[6] == "0.990 ± 0.020 (2 of 3 seeds drew a valid string)"
    assert cells[-2] == "2 of 3 seeds"


def test_the_grammar_benchmark_summarises_each_figure_over_the_seeds_that_define_it():
    summarise = importlib.import_module("scripts.bench.grammar").summarise
    figures = importlib.import_module("scripts.bench.grammar").FIGURES
    runs = {"0": dict.fromkeys(figures, 1.0), "1": dict.fromkeys(figures, 3.0) | {"nll_samples": None},
            "2": dict.fromkeys(figures, 2.0) | {"nll_samples": None}}
    s = summarise("GAN", None, [], runs)
    assert s["mean"]["valid"] == 2.0 and s["std"]["valid"] == 1.0
    assert s["mean"]["nll_samples"] == 1.0 and s["std"]["nll_samples"] == 0.0     # one seed defines it
    s = summarise("GAN", None, [], {k: runs[k] for k in ("1", "2")})
    assert s["mean"]["nll_samples"] is None and s["std"]["nll_samples"] is None


def test_the_coco_table_sets_each_gan_seed_against_its_own_mle_seeds_curve(tmp_path):
    coco = importlib.import_module("scripts.render.estimators_coco")
    assert coco.coco_table(tmp_path).startswith("(not measured yet")

    def write(name, mle_bleu, gan_bleu):
        """MLE seed i: BLEU-4 b at T = 1 (Self-BLEU-4 0.5), b - 0.1 at T = 1.1 (Self-BLEU-4 0.3); each GAN
        seed at T = 1 (Self-BLEU-4 0.4, halfway along its MLE's curve) with BLEU-4 g."""
        mle_rows = [{"label": "MLE", "seed": i, "temperature": t, "bleu4": b - dt, "self_bleu4": sb, "nll_test": 3.0}
                    for i, b in enumerate(mle_bleu) for t, dt, sb in ((1.0, 0.0, 0.5), (1.1, 0.1, 0.3))]
        gan_rows = [{"label": "GAN", "seed": i, "temperature": 1.0, "bleu4": g, "self_bleu4": 0.4, "nll_test": 3.1}
                    for i, g in enumerate(gan_bleu)]
        seeds = lambda rows: {str(r["seed"]): r | {"wall_s": 100.0} for r in rows if r["temperature"] == 1.0}
        d = {"config": "configs/coco_bench_cpu.toml", "overrides": [],
             "variants": {"mle": {"label": "MLE", "seeds": seeds(mle_rows)}, "gan": {"label": "GAN", "seeds": seeds(gan_rows)}},
             "sweep": {"temperatures": [1.0, 1.1], "rows": mle_rows + gan_rows}}
        (tmp_path / f"{name}.json").write_text(json.dumps(d))

    write("cpu_es", [0.20, 0.30, 0.40], [0.17, 0.29])       # the relaxation: GAN seeds 0 and 1
    write("es_reinforce_dense", [0.20, 0.30, 0.40], [0.12])  # dense rewards: seed 0 alone
    table = coco.coco_table(tmp_path)
    relaxed = [c.strip() for c in _row_of(table, "relaxation").split("|")]
    dense = [c.strip() for c in _row_of(table, "dense").split("|")]
    assert relaxed[2:5] == ["2", "0.250 ± 0.050", "0.500 ± 0.000"] and dense[2:5] == ["1", "0.200", "0.500"]
    # seed 0's curve at Self-BLEU-4 0.4 is 0.15, seed 1's 0.25: gaps +0.02 and +0.04; against the
    # three seeds' mean curve (0.25) seed 0's dense GAN would read -0.13, not its own -0.03
    assert relaxed[8] == "+0.030 ± 0.010" and dense[8] == "-0.030" and dense[9] == "300"
    assert dense[7] == "+0.100"                                               # NLL_gen test minus its MLE's


def _row_of(table, estimator):
    return next(line for line in table.splitlines() if estimator in line and not line.startswith("| estimator"))


def test_a_clocked_recipe_is_read_off_its_own_curves_and_its_longer_runs(tmp_path, monkeypatch):
    """estimator_speed --recipe adds a variant recipe's clock beside the estimators' (a rerun
    replaces it, the others kept); the matched-time table then reads that recipe at the updates
    the relaxation's time buys it, from its longer runs where its own end first."""
    es = importlib.import_module("scripts.bench.estimator_speed")
    et = importlib.import_module("scripts.render.estimators_time")
    speed = tmp_path / "speed_arith.json"
    speed.write_text(json.dumps({"machine": "test", "set": [], "rows": [
        {"start": "scratch", "estimator": "gumbel", "adv_updates": 100, "clock": [[0, 0.0], [50, 50.0], [100, 100.0]]}]}))
    _write(tmp_path / "gumbel/arith.json", {"0": _seed(100, [0.0, 0.5, 0.9], [2.0, 1.5, 1.1]),
                                             "1": _seed(100, [0.0, 0.5, 0.7], [2.0, 1.5, 1.3])})
    name = "reinforce_dense_sg512_all"
    _write(tmp_path / f"{name}/arith.json", {"0": _seed(100, [0.0, 0.5, 0.9], [2.0, 1.5, 1.1])})
    # its longer runs: 300 updates; the relaxation's 100 s buy 400 at 0.25 s an update, so it ends short
    _write(tmp_path / f"{name}_long/arith.json", {"0": _seed(300, [0.0, 0.6, 0.96], [2.0, 1.2, 1.02]),
                                                  "1": _seed(300, [0.0, 0.6, 0.98], [2.0, 1.2, 1.04])})
    seen = []

    def timed(grammar, start, est, sets):
        seen.append((start, est, sets))
        return {"start": start, "estimator": est, "adv_updates": 100, "clock": [[0, 0.0], [100, 25.0 * len(seen)]]}

    monkeypatch.setattr(es, "timed", timed)
    monkeypatch.setattr("sys.argv", ["estimator_speed", "--recipe", "nothing_here", "--results", str(tmp_path)])
    with pytest.raises(SystemExit) as stop:                     # a recipe never measured: one line, status 2
        es.main()
    assert stop.value.code == 2 and not seen
    for _ in range(2):
        monkeypatch.setattr("sys.argv", ["estimator_speed", "--recipe", name, "--results", str(tmp_path)])
        es.main()
    assert seen == [("scratch", name, [])] * 2
    d = json.loads(speed.read_text())
    assert [(r["estimator"], r["clock"][-1][1]) for r in d["rows"]] == [("gumbel", 100.0), (name, 50.0)]
    # the rerun's clock: 0.5 s an update, so 200 updates, read off the longer runs' curves at step 200
    cells = [c.strip() for c in _row(et.matched_table("arith", tmp_path), "baseline decay (0.08)").split("|")]
    assert cells[3:8] == ["50 s", "200", "2", "0.723 ± 0.003", "1.143 ± 0.003"]


def _curve_file(path, variant, seeds):
    """A grammar benchmark file whose seeds hold only their temperature rows: seeds = {seed: [(T,
    valid, sample NLL ratio, unique ratio, held-out ratio), ...]}."""
    keys = ("temperature", "valid", "nll_samples_ratio", "unique_ratio", "gen_nll_test_ratio")
    path.mkdir(parents=True, exist_ok=True)
    runs = {variant: {"seeds": {s: {"temperatures": [dict(zip(keys, r)) | {"mean_length": 5.0} for r in rows]}
                                for s, rows in seeds.items()}}}
    (path / "arith.json").write_text(json.dumps({"runs": runs}))


def test_the_temperature_tables_set_each_gan_seed_against_the_mle_curve(tmp_path):
    """Gaps are read off the seed-mean MLE curve at each GAN seed's sample NLL ratio; a GAN on the
    curve scores 0, one above it scores how far; the targets are counted seed by seed at each T."""
    et = importlib.import_module("scripts.render.estimators_temperature")
    assert et.curve_table(tmp_path).startswith("(not measured yet")
    mle = [(0.9, 0.996, 0.90, 0.85, 1.01), (1.0, 0.990, 1.00, 1.00, 1.01), (1.1, 0.980, 1.10, 1.10, 1.02)]
    shifted = [(t, v - 0.002, x, u, h) for t, v, x, u, h in mle]      # seed 1: the mean curve is 0.001 lower
    _curve_file(tmp_path / "mle", "mle", {"0": mle, "1": shifted})
    # seed 0 at T = 1 on the mean curve (x 0.95: halfway, 0.992), seed 1 above it by 0.004 (x 1.05: 0.984)
    gan = {"0": [(0.9, 0.995, 0.96, 0.90, 1.02), (1.0, 0.992, 0.95, 0.95, 1.06)],
           "1": [(0.9, 0.993, 0.84, 0.90, 1.03), (1.0, 0.988, 1.05, 0.92, 1.03)]}   # mean curve: (0.90, 0.994), (1.00, 0.990)
    _curve_file(tmp_path / "reinforce_dense_sg512_all_long", "scratch", gan)
    # a seed sharper than every point of the curve is left out, and said to be
    _curve_file(tmp_path / "reinforce_dense_sg512_all_long_term", "scratch",
                {"0": [(1.0, 0.999, 0.80, 0.80, 1.01)], "1": [(1.0, 0.990, 0.95, 0.95, 1.01)]})
    gaps = et.gap_table(tmp_path)
    row = next(line for line in gaps.splitlines() if line.startswith("| REINFORCE, ScratchGAN's whole recipe, 3,000 updates |"))
    cells = [c.strip() for c in row.split("|")]
    assert cells[2:5] == ["2", "0 of 2", "1 of 2 (seed 0: T = 0.9)"]   # seed 0 at T = 0.9 alone meets every target
    assert cells[5] == "+0.002 ± 0.002"          # gaps +0.000 and +0.004 against the 1,800-step MLE
    assert cells[6] == "-"                        # its own column: no curve of its own
    term = next(line for line in gaps.splitlines() if line.startswith("| REINFORCE") and "terminal reward 1 |" in line)
    cells = [c.strip() for c in term.split("|")]
    assert cells[5] == "-0.002 (1 of 2 seeds)"   # 0.990 against the mean curve's 0.992 at 0.95
    assert cells[6] == "-0.002 (1 of 2 seeds)"   # the recipe without it: (0.90, 0.994), (1.00, 0.990)
    assert cells[7] == "-"                        # nor against its own curve
    mle = next(line for line in gaps.splitlines() if line.startswith("| MLE only, 1,800 steps |"))
    assert [c.strip() for c in mle.split("|")][3:6] == ["1 of 2", "1 of 2 (seed 0: T = 1)", "-"]
    table = et.curve_table(tmp_path)
    mle_at_1 = next(line for line in table.splitlines() if line.startswith("| MLE only, 1,800 steps | 1 |"))
    assert mle_at_1.endswith("| 0.989 ± 0.001 | 1.000 ± 0.000 | 1.000 ± 0.000 | 1.010 ± 0.000 | 1 of 2 |")
    meets = et.meets_targets
    assert meets({"valid": 0.99, "nll_samples_ratio": 1.04, "gen_nll_test_ratio": 0.96, "unique_ratio": 0.9})
    assert not meets({"valid": 0.995, "nll_samples_ratio": None, "gen_nll_test_ratio": 1.0, "unique_ratio": 1.0})
    assert not meets({"valid": 0.995, "nll_samples_ratio": 0.94, "gen_nll_test_ratio": 1.0, "unique_ratio": 1.0})
    assert not meets({"valid": 0.995, "nll_samples_ratio": 1.0, "gen_nll_test_ratio": 1.06, "unique_ratio": 1.0})
    assert not meets({"valid": 0.989, "nll_samples_ratio": 1.0, "gen_nll_test_ratio": 1.0, "unique_ratio": 1.0})
    assert not meets({"valid": 0.995, "nll_samples_ratio": 1.0, "gen_nll_test_ratio": 1.0, "unique_ratio": 0.89})
