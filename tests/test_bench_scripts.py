"""The seeds benchmark script end to end at a tiny size, and the docs renderer on its output."""
import importlib
import json
import subprocess
import sys

import pytest
import torch

from conftest import ROOT


def _module(name):
    return importlib.import_module(f"scripts.{name}")


def test_curve_gap_interpolates_the_mle_curve_at_the_gan_points_diversity():
    gap = _module("bench.seeds").curve_gap
    mle = [{"temperature": 0.5, "x": 1.0, "y": 1.0}, {"temperature": 1.0, "x": 3.0, "y": 5.0},
           {"temperature": 0.5, "x": 1.0, "y": 3.0}, {"temperature": 1.0, "x": 3.0, "y": 5.0}]   # 2 seeds
    gan = [{"temperature": 1.0, "x": 2.5, "y": 4.0}, {"temperature": 2.0, "x": 9.0, "y": 4.0}]
    higher, lower = gap(gan, mle, "x", "y", True), gap(gan, mle, "x", "y", False)
    # MLE seed means (1, 2) and (3, 5): at x = 2.5 the curve is 2 + 3 * 0.75 = 4.25
    assert higher[0]["mle_y_at_same_x"] == pytest.approx(4.25) and higher[0]["gan_better_by"] == pytest.approx(-0.25)
    assert lower[0]["gan_better_by"] == pytest.approx(0.25)
    assert higher[1]["gan_better_by"] is None          # outside the MLE curve: nothing to compare


@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "oracle").is_dir(), reason="needs ../shared/data/oracle")
@pytest.mark.slow
def test_oracle_benchmark_end_to_end_at_a_tiny_size(tmp_path):
    def bench(*extra, ok=True):
        r = subprocess.run([sys.executable, "-m", "scripts.bench.seeds", "oracle", "--seeds", "0,1", "--num", "200",
                            "--temperatures", "0.7,1.5", "--results", tmp_path / "res", "--runs", tmp_path / "runs",
                            "--set", "train.mle_steps=60", "--set", "train.adv_steps=2", "--set", "data.num_train=200",
                            "--set", "data.num_test=100", "--set", "train.num_samples=50", "--set", "train.eval_samples=20",
                            "--set", "train.eval_test=20", *extra], capture_output=True, text=True, cwd=ROOT, timeout=600)
        if not ok:
            return r
        assert r.returncode == 0, r.stderr[-2000:]
        return r.stdout

    bench()
    d = json.loads((tmp_path / "res" / "cpu.json").read_text())
    assert (tmp_path / "res" / "cpu_sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert set(d["variants"]) == {"mle", "gan"}
    for run in ("mle-s0", "mle-s1", "gan-s0", "gan-s1"):       # the training curves kept beside the results
        assert (tmp_path / "res" / "cpu_runs" / run / "metrics.jsonl").stat().st_size > 0
        record = json.loads((tmp_path / "res" / "cpu_runs" / run / "config.json").read_text())   # config once
        assert record["config"] == "configs/oracle_bench_cpu.toml" and record["overrides"]["train.seed"] == run[-1]
    for v in d["variants"].values():
        assert set(v["seeds"]) == {"0", "1"}
        vals = [s["nll_oracle"] for s in v["seeds"].values()]
        assert v["mean"]["nll_oracle"] == pytest.approx(sum(vals) / 2)
    assert d["real_data"]["n"] == 100 and 4.0 < d["real_data"]["nll_oracle"] < 8.0   # the oracle's own samples
    assert {(r["label"], r["seed"], r["temperature"]) for r in d["sweep"]["rows"]} == {
        (v["label"], s, t) for v in d["variants"].values() for s in (0, 1) for t in (0.7, 1.5)}
    # a colder sampler: lower NLL_oracle, higher NLL_test, for every run. 60 warm-up steps make the
    # generator better than uniform, so the temperature moves both by about 0.6 nats or more;
    # 200 samples of 20 tokens put the sampling noise of NLL_oracle near 0.05 (after 4 steps,
    # as this test first had it, the two temperatures differed by less than the noise)
    for s in (0, 1):
        for v in d["variants"].values():
            cold, hot = (next(r for r in d["sweep"]["rows"] if r["label"] == v["label"] and r["seed"] == s
                              and r["temperature"] == t) for t in (0.7, 1.5))
            assert cold["nll_oracle"] < hot["nll_oracle"] and cold["nll_test"] > hot["nll_test"]
    table = _module("render.benches")._oracle_table(d)
    g, base = d["variants"]["gan"]["mean"], d["variants"]["mle"]["mean"]["nll_test"]
    assert f"NLL_oracle ≤ 6.5 **{'reached' if g['nll_oracle'] <= 6.5 else 'missed'}**" in table
    assert f"(x{g['nll_test'] / base:.3f})" in table and "| 0.7 |" in table and "| 1.5 |" in table

    # a second GAN recipe against the same MLE runs: the MLE part is reused, not retrained, and
    # on another machine (no runs folder) the GAN starts from the MLE generator kept with the results
    import shutil

    kept = tmp_path / "res" / "cpu_runs" / "mle-s0" / "pretrained.pt"
    assert kept.is_file()
    shutil.rmtree(tmp_path / "runs" / "oracle-cpu" / "mle-s0")
    out = bench("--name", "fast", "--mle-from", "cpu", "--set", "train.g_lr=1e-2")
    assert (tmp_path / "runs" / "oracle-cpu" / "mle-s0" / "pretrained.pt").read_bytes() == kept.read_bytes()
    assert "mle seed 0: nll" not in out and "mle seed 1: already in fast.json, skipped" in out and "gan seed 1" in out
    e = json.loads((tmp_path / "res" / "fast.json").read_text())
    assert e["variants"]["mle"] == d["variants"]["mle"] and e["mle_from"] == "cpu"
    assert e["variants"]["gan"]["seeds"]["0"]["nll_oracle"] != d["variants"]["gan"]["seeds"]["0"]["nll_oracle"]
    assert len(e["sweep"]["rows"]) == len(d["sweep"]["rows"])

    # a fresh clone: no runs folder and no weights (results/ keeps none in git): each GAN seed's
    # warm-up is rebuilt from its MLE run's recorded config, and on the machine that made it the
    # rebuild is bit-identical (the recorded digest), so the GAN's figures are the same as above
    recorded = {s: json.loads((tmp_path / "res" / "cpu_runs" / f"mle-s{s}" / "warmup.json").read_text())["sha256"]
                for s in "01"}
    for s in "01":
        shutil.rmtree(tmp_path / "runs" / "oracle-cpu" / f"mle-s{s}")
        (tmp_path / "res" / "cpu_runs" / f"mle-s{s}" / "pretrained.pt").unlink()
    out = bench("--name", "clone", "--mle-from", "cpu", "--set", "train.g_lr=1e-2")
    assert out.count("rebuilding its warm-up") == 2 and out.count("identical to the recorded one") == 2, out
    for s in "01":
        record = json.loads((tmp_path / "res" / "clone_runs" / f"gan-s{s}" / "config.json").read_text())
        assert record["warmup_rebuilt"] == {"sha256": recorded[s], "recorded_sha256": recorded[s], "identical": True}
        # kept beside the rebuilt warm-up too, so that a later piece of the seed records it even where
        # the first piece's record did not travel (a GPU piece of COCO seed 1 lost it that way)
        assert json.loads((tmp_path / "runs" / "oracle-cpu" / f"mle-s{s}" / "warmup_rebuilt.json").read_text()) \
            == record["warmup_rebuilt"]
    c = json.loads((tmp_path / "res" / "clone.json").read_text())
    assert c["variants"]["gan"]["seeds"]["0"]["nll_oracle"] == e["variants"]["gan"]["seeds"]["0"]["nll_oracle"]

    # some of the earlier result's seeds (one process a seed, side by side): the same figures for the
    # seed; a seed the earlier result lacks is refused in one line
    bench("--name", "one", "--mle-from", "cpu", "--seeds", "1", "--set", "train.g_lr=1e-2")
    o = json.loads((tmp_path / "res" / "one.json").read_text())
    assert set(o["variants"]["gan"]["seeds"]) == {"1"} and o["variants"]["mle"] == d["variants"]["mle"]
    assert o["variants"]["gan"]["seeds"]["1"]["nll_oracle"] == e["variants"]["gan"]["seeds"]["1"]["nll_oracle"]
    r = bench("--name", "two", "--mle-from", "cpu", "--seeds", "1,2", ok=False)
    assert r.returncode != 0 and "lacks some of these seeds" in r.stderr and not (tmp_path / "res" / "two.json").exists()


@pytest.mark.slow
def test_grammar_benchmark_runs_in_pieces_and_plots_its_curves(tmp_path):
    """Seeds run in two invocations merge into one file; a measured seed is skipped, not rerun."""
    def bench(seeds):
        r = subprocess.run([sys.executable, "-m", "scripts.bench.grammar", "--grammars", "kusner",
                            "--variants", "scratch_v0_1", "--seeds", seeds, "--results", tmp_path,
                            "--set", "train.adv_steps=3", "--set", "train.log_every=1", "--set", "data.num_train=200",
                            "--set", "data.num_test=50", "--set", "train.eval_samples=20", "--set", "train.eval_test=20",
                            "--set", "discriminator.num_filters=8", "--threads", "1"],
                           capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        return r.stdout

    bench("0")
    assert "seed 0: already measured, skipped" in bench("0,1")
    d = json.loads((tmp_path / "kusner.json").read_text())
    run = d["runs"]["scratch_v0_1"]
    assert list(run["seeds"]) == ["0", "1"] and d["reference"]["seeds"] == ["0", "1"]
    for seed, r in run["seeds"].items():
        assert [p["step"] for p in r["curve"]] == [0, 1, 2, 3]       # the start and every iteration
        assert r["threads"] == 1 and (r["load"] is None or len(r["load"]) == 3)     # what its wall time ran beside
        elapsed = [p["elapsed_s"] for p in r["curve"]]                # the wall time along it, for matched-time reads
        assert elapsed == sorted(elapsed) and 0 <= elapsed[0] and elapsed[-1] <= r["wall_s"]
        assert r["unique_ratio"] == pytest.approx(r["unique"] / r["reference"]["unique"])
        assert r["nll_samples_ratio"] == pytest.approx(r["nll_samples"] / r["reference"]["nll_valid"])
    # the held-out strings are drawn with each run's seed: two seeds, two references
    assert run["seeds"]["0"]["reference"] != run["seeds"]["1"]["reference"]
    assert run["mean"]["valid"] == pytest.approx((run["seeds"]["0"]["valid"] + run["seeds"]["1"]["valid"]) / 2)
    verdict = _module("render.docs")._grammar_verdict(run["mean"], list(run["seeds"].values()))
    assert verdict.count("missed") + verdict.count("reached") == 4 and verdict.count("/2 seeds)") == 4
    valid_seeds = sum(r["valid"] >= 0.99 for r in run["seeds"].values())
    assert f"valid {run['mean']['valid']:.4f} {'reached' if run['mean']['valid'] >= 0.99 else 'missed'} ({valid_seeds}/2" in verdict
    r = subprocess.run([sys.executable, "-m", "scripts.render.scratch", "--variant", "scratch_v0_1",
                        "--results", tmp_path], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "scratch_curves.png").read_bytes()[:4] == b"\x89PNG"


def _tiny_oracle_bench(tmp_path, mle_steps=200):
    return [sys.executable, "-m", "scripts.bench.seeds", "oracle", "--num", "100", "--temperatures", "1.0",
            "--seeds", "0", "--results", tmp_path / "res", "--runs", tmp_path / "runs", "--set", f"train.mle_steps={mle_steps}",
            "--set", "train.adv_steps=2", "--set", "data.num_train=200", "--set", "data.num_test=100",
            "--set", "train.num_samples=50", "--set", "train.eval_samples=20", "--set", "train.eval_test=20",
            "--set", "train.log_every=20", "--set", "train.checkpoint_every=20", "--set", "train.threads=1"]


def _stop_part_way(cmd, metrics, step=40):
    """Run the benchmark and stop it with SIGTERM once the run's curve reaches step."""
    import signal
    import time

    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        rows = metrics.read_text().splitlines() if metrics.is_file() else []
        if rows and json.loads(rows[-1])["global_step"] >= step:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0 and "the same command goes on from there" in err


@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "oracle").is_dir(), reason="needs ../shared/data/oracle")
@pytest.mark.slow
def test_a_second_process_starting_the_same_seed_is_refused_while_the_first_trains_it(tmp_path):
    """Two benchmark processes reaching one seed before its first checkpoint: the second must not
    wipe and retrain the folder the first is writing (a fresh run takes the run lock, as a resumed one does)."""
    import signal
    import time

    cmd = [*_tiny_oracle_bench(tmp_path, mle_steps=100_000), "--set", "train.checkpoint_every=100000"]
    run = tmp_path / "runs" / "oracle-cpu" / "mle-s0"
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and first.poll() is None and not (run / "metrics.jsonl").is_file():
            time.sleep(0.05)
        assert first.poll() is None and not (run / "checkpoint.pt").exists()     # training, nothing to resume yet
        second = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            _, err = second.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            second.kill()
            second.communicate()
            pytest.fail("the second process trained the seed the first one was training")
        assert first.poll() is None                                             # the first goes on
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=300)
    assert second.returncode != 0 and f"in use by process {first.pid}" in err
    steps = [json.loads(l)["global_step"] for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps))               # one writer: each step logged once


@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "oracle").is_dir(), reason="needs ../shared/data/oracle")
@pytest.mark.slow
def test_oracle_benchmark_stopped_part_way_resumes_from_its_checkpoint_and_skips_finished_seeds(tmp_path):
    cmd = _tiny_oracle_bench(tmp_path)
    metrics = tmp_path / "runs" / "oracle-cpu" / "mle-s0" / "metrics.jsonl"
    _stop_part_way(cmd, metrics)
    assert not (tmp_path / "res" / "cpu.json").exists()                      # no seed finished yet
    snapshot = tmp_path / "res" / "cpu_runs" / "mle-s0" / "resume"
    assert (snapshot / "checkpoint.pt").is_file() and not (snapshot / "checkpoint.prev.pt").exists()

    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "kept in" not in r.stdout                  # its own runs folder had the checkpoint
    d = json.loads((tmp_path / "res" / "cpu.json").read_text())
    pieces = d["variants"]["mle"]["seeds"]["0"]["pieces"]
    assert [p.get("stopped", False) for p in pieces] == [True, False] and pieces[1]["device"] == "cpu"
    assert [p["machine"].split(", ")[1] for p in pieces] == ["1 torch threads"] * 2     # train.threads=1 honoured
    steps = [json.loads(l)["global_step"] for l in metrics.read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == 200 and steps[1] == 20   # resumed: each step logged once
    assert not snapshot.exists() and not (tmp_path / "res" / "cpu_runs" / "gan-s0" / "resume").exists()  # scored: dropped
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "mle seed 0: already in cpu.json, skipped" in r.stdout and "gan seed 0: already" in r.stdout
    assert json.loads((tmp_path / "res" / "cpu.json").read_text())["variants"] == d["variants"]


@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "oracle").is_dir(), reason="needs ../shared/data/oracle")
@pytest.mark.slow
def test_a_stopped_run_goes_on_elsewhere_from_its_kept_snapshot_and_a_lost_one_is_not_dropped_silently(tmp_path):
    """A clone holds the results, not the runs folder: the run resumes from the snapshot kept with
    its results. Without that snapshot the recorded steps cannot be resumed: the benchmark refuses
    (one line, exit 2, nothing changed) until --restart-lost sets the record aside."""
    import shutil

    cmd = [*_tiny_oracle_bench(tmp_path, mle_steps=60), "--variants", "mle"]
    kept = tmp_path / "res" / "cpu_runs" / "mle-s0"
    _stop_part_way(cmd, tmp_path / "runs" / "oracle-cpu" / "mle-s0" / "metrics.jsonl", step=20)
    shutil.copytree(tmp_path / "res", tmp_path / "res_lost")
    shutil.rmtree(tmp_path / "runs")                          # another machine

    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"resuming from the checkpoint kept in {kept / 'resume'}" in r.stdout
    seed = json.loads((tmp_path / "res" / "cpu.json").read_text())["variants"]["mle"]["seeds"]["0"]
    assert [p.get("stopped", False) for p in seed["pieces"]] == [True, False]       # both pieces counted
    steps = [json.loads(l)["global_step"] for l in (kept / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(set(steps)) and steps[-1] == 60 and not (kept / "resume").exists()

    res, lost = tmp_path / "res_lost", tmp_path / "res_lost" / "cpu_runs" / "mle-s0"
    shutil.rmtree(lost / "resume")                            # the checkpoint is nowhere
    curve = (lost / "metrics.jsonl").read_text()
    lost_cmd = [res if a == tmp_path / "res" else tmp_path / "runs2" if a == tmp_path / "runs" else a for a in cmd]
    r = subprocess.run(lost_cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--restart-lost" in last and str(lost) in last
    assert not (res / "cpu.json").exists() and (lost / "metrics.jsonl").read_text() == curve
    r = subprocess.run([*lost_cmd, "--restart-lost"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    aside = res / "cpu_lost" / "mle-s0.1"
    assert f"set aside in {aside}" in r.stdout and (aside / "metrics.jsonl").read_text() == curve
    seed = json.loads((res / "cpu.json").read_text())["variants"]["mle"]["seeds"]["0"]
    assert [p.get("stopped", False) for p in seed["pieces"]] == [False]              # trained afresh, in one piece


def test_curves_draw_an_attempt_set_aside_beside_the_runs(tmp_path):
    pc = _module("render.curves")
    rows = [{"phase": "init", "step": 0, "bleu4": 0.25, "self_bleu4": 0.3, "nll_test": 4.8},
            {"phase": "adv", "step": 100, "bleu4": 0.28, "self_bleu4": 0.5, "nll_test": 5.0}]
    for run in ("full_runs/gan-s0", "full_lost/gan-s0.1", "full_lost/gan-s0.2", "full_lost/mle-s1.1"):
        (tmp_path / run).mkdir(parents=True)
        (tmp_path / run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[: 1 + run.endswith("1")]))
    assert [(s, a, len(r)) for s, a, r in pc.lost_curves(tmp_path / "full_lost")] == [(0, 1, 2), (0, 2, 1)]  # GAN runs only
    alone = tmp_path / "only_lost"
    (alone / "full_lost" / "gan-s3.1").mkdir(parents=True)
    (alone / "full_lost" / "gan-s3.1" / "metrics.jsonl").write_text(json.dumps(rows[0]) + "\n")
    assert pc.plot("coco", alone / "full_runs", tmp_path / "a.png", "t")       # a lost attempt alone is drawn
    assert not pc.plot("coco", tmp_path / "none_runs", tmp_path / "b.png", "t") and not (tmp_path / "b.png").exists()
    assert pc.plot("coco", tmp_path / "full_runs", tmp_path / "c.png", "t") and (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_ratio_benchmark_gap_and_summary():
    mod = _module("bench.ratio")
    points = [{"method": "mle", "temperature": t, "x": x, "y": y}
              for t, x, y in ((1.0, 7.7, 10.0), (0.9, 7.8, 9.6), (0.8, 8.0, 9.2), (1.2, 7.9, 10.9))]
    branch = mod.mle_branch(points, "y", "x")
    assert branch == [(7.7, 10.0), (7.8, 9.6), (8.0, 9.2)]          # T > 1 is not on the quality branch
    assert mod.better_by(branch, 7.9, 9.0) == pytest.approx(9.4 - 9.0)   # interpolated between T = 0.9 and 0.8
    assert mod.better_by(branch, 7.5, 9.9) == pytest.approx(0.1)    # more diverse than the curve: its end
    assert mod.better_by(branch, 8.5, 9.0) is None                  # less diverse than all of it
    # BLEU-like axes (higher quality is better): the signs turn them round
    bleu = mod.mle_branch([{"method": "mle", "temperature": t, "x": x, "y": y}
                           for t, x, y in ((1.0, 0.5, 0.30), (0.8, 0.7, 0.40))], "y", "x", (-1.0, 1.0))
    assert mod.better_by(bleu, 0.6, -0.37) == pytest.approx(0.02)   # BLEU 0.37 where the curve has 0.35
    seeds = {str(s): {"points": [{"method": "mle", "temperature": 1.0, "strength": 0.0, "x": 7.7, "y": 10.0},
                                 {"method": "mle", "temperature": 0.8, "strength": 0.0, "x": 8.0, "y": 9.0},
                                 {"method": "guide", "temperature": 1.0, "strength": 1.0, "x": 7.6, "y": 9.0 + s},
                                 {"method": "rejection", "temperature": 1.0, "strength": 1.0, "error": "too low"}]}
             for s in (0, 1)}
    rows = {r["method"]: r for r in mod.summarise(seeds, "y", "x")}
    assert rows["guide"]["better_by"]["mean"] == pytest.approx(0.5)
    assert rows["guide"]["better_by"]["se"] == pytest.approx(0.5)
    assert rows["rejection"]["seeds"] == 0 and rows["rejection"]["errors"] == ["too low", "too low"]
    assert "better_by" not in rows["mle"]


def test_ratio_benchmark_adds_the_gan_to_a_finished_seed_keeping_its_mle_part(tmp_path, monkeypatch):
    """A seed already measured for the MLE gets the GAN added: the MLE's fit and points are kept as
    they were (not recomputed), the GAN starts from the MLE run's generator, and a seed that has
    every variant asked for is skipped; a seed made with other options is rerun whole."""
    mod = _module("bench.ratio")
    calls = {"trained": [], "points": []}

    class Kind:
        name, quality, diversity = "grammar", type("Q", (), {"key": "valid"}), type("D", (), {"key": "nll"})

    class Run:
        config = type("C", (), {"data": type("D", (), {"kind": "corpus"})})
        loaded = type("L", (), {"kind": staticmethod(lambda: Kind)})

    def trained(config, out, overrides):
        calls["trained"].append((out.name, overrides.get("train.init_generator")))
        return Run

    def model_points(bench, run, label, exact, seed, smoke, fit):
        calls["points"].append(label)
        return {"held_out": 0.5}, [{"method": "mle", "temperature": 1.0, "strength": 0.0, "valid": 0.5,
                                     "nll": 1.0, "model": label}]

    monkeypatch.setattr(mod, "trained", trained)
    monkeypatch.setattr(mod, "model_points", model_points)
    previous = {"seed": 0, "mle_best_step": 40, "train_s": {"mle": 12.0}, "fit": {"mle": {"held_out": 0.25}},
                "points": [{"method": "mle", "temperature": 1.0, "strength": 0.0, "valid": 0.9, "nll": 2.0,
                            "model": "mle"}], "fit_options": {}, "train_options": {}}
    r = mod.one_seed("arith", 0, tmp_path, ["mle", "gan"], previous=previous)
    assert calls["points"] == ["gan"]                                  # the MLE points were not redone
    assert r["fit"] == {"mle": {"held_out": 0.25}, "gan": {"held_out": 0.5}} and r["mle_best_step"] == 40
    assert [p["valid"] for p in r["points"]] == [0.9, 0.5] and r["train_s"]["mle"] == 12.0
    assert calls["trained"][1] == ("gan-s0", str(tmp_path / "mle-s0" / "pretrained.pt"))

    path = tmp_path / "res" / "arith.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"bench": "arith", "seeds": {"0": r | {"fit_options": {}, "train_options": {}},
                                                            "1": previous | {"train_options": {"x": "1"}}}}))
    seen = []
    monkeypatch.setattr(mod, "one_seed", lambda *a, **k: seen.append((a[1], a[-1])) or r)
    monkeypatch.setattr(mod, "merge", lambda *a: None)
    monkeypatch.setattr(sys, "argv", ["scripts/bench/ratio.py", "arith", "--seeds", "0,1", "--variants", "mle,gan",
                                      "--results", str(path.parent), "--runs", str(tmp_path)])
    mod.main()
    assert seen == [(1, None)]      # seed 0 complete: skipped; seed 1 with other options: rerun from scratch


def test_run_pieces_add_up_over_stops_and_mark_the_stopped_one(tmp_path):
    rp = _module("bench.pieces")
    out = tmp_path / "run"
    with rp.piece(out, "cpu"):          # the run never started: nothing to record it in
        pass
    assert not out.exists() and rp.pieces(out) == [] and rp.total_wall(rp.pieces(out)) == 0
    out.mkdir()
    with pytest.raises(KeyboardInterrupt):
        with rp.piece(out, "cpu") as record:
            record["wall_s"] = -1       # overwritten: the piece's own clock decides
            raise KeyboardInterrupt
    threads = torch.get_num_threads()
    try:
        with rp.piece(out, "cpu"):
            torch.set_num_threads(1 if threads > 1 else 2)      # as a trainer sets train.threads
        assert rp.pieces(out)[-1]["machine"].split(", ")[1] == f"{torch.get_num_threads()} torch threads"
    finally:
        torch.set_num_threads(threads)
    got = rp.pieces(out)
    assert [p.get("stopped", False) for p in got] == [True, False]
    assert all(p["device"] == "cpu" and p["machine"].endswith("CPU") and p["wall_s"] >= 0 for p in got)
    assert all(p["load"] is None or (len(p["load"]) == 3 and min(p["load"]) >= 0) for p in got)   # 1, 5, 15 min
    assert rp.total_wall(got) == round(sum(p["wall_s"] for p in got), 1)


def test_ratio_benchmark_records_every_training_piece(tmp_path, monkeypatch):
    """scripts.bench.ratio's runs record their pieces as scripts.bench.seeds' do: a resumed run adds a piece, a
    finished one adds none, a run remade with other settings starts its record afresh."""
    mod = _module("bench.ratio")
    out, config = tmp_path / "mle-s0", ROOT / "configs" / "arith_mle.toml"
    cfg = mod.sg.load_config(str(config), ["train.seed=0"])
    calls = []

    class Run:
        def __init__(self, c):
            self.config = c

    def train(c, o, overwrite):
        calls.append("train")
        o.mkdir(exist_ok=True)
        (o / "checkpoint.pt").write_text("x")
        raise KeyboardInterrupt          # stopped part-way, after its first checkpoint

    monkeypatch.setattr(mod.sg, "train", train)
    monkeypatch.setattr(mod.sg, "load", lambda o: Run(cfg))
    monkeypatch.setattr(mod.sg, "resume", lambda o: calls.append("resume") or (o / "summary.json").write_text("{}") or Run(cfg))
    with pytest.raises(KeyboardInterrupt):
        mod.trained(config, out, {"train.seed": 0})
    mod.trained(config, out, {"train.seed": 0})         # resumed: a second piece
    mod.trained(config, out, {"train.seed": 0})         # finished: loaded, no piece
    assert calls == ["train", "resume"]
    assert [p.get("stopped", False) for p in mod.pieces(out)] == [True, False]
    assert mod.train_seconds(out, 0.0) == mod.total_wall(mod.pieces(out))
    monkeypatch.setattr(mod.sg, "train", lambda c, o, overwrite: calls.append("train") or Run(c))
    mod.trained(config, out, {"train.seed": 1})         # other settings: trained again, its own record
    assert calls[-1] == "train" and len(mod.pieces(out)) == 1 and "stopped" not in mod.pieces(out)[0]
    early = tmp_path / "gan-s0"           # stopped before its first checkpoint: started again, its time still counts
    early.mkdir()

    def stopped_early(c, o, overwrite):
        raise KeyboardInterrupt
    monkeypatch.setattr(mod.sg, "train", stopped_early)
    with pytest.raises(KeyboardInterrupt):
        mod.trained(config, early, {"train.seed": 0})
    monkeypatch.setattr(mod.sg, "train", lambda c, o, overwrite: Run(c))
    mod.trained(config, early, {"train.seed": 0})
    assert [p.get("stopped", False) for p in mod.pieces(early)] == [True, False]


def test_ratio_benchmark_plot_draws_curves_and_points_and_names_a_far_ceiling(tmp_path, monkeypatch):
    mod = _module("bench.ratio")
    pt = lambda model, method, t, g, x, y, n=3: {"model": model, "method": method, "temperature": t, "strength": g,
                                                 "seeds": n, "x": {"mean": x, "se": 0.01}, "y": {"mean": y, "se": 0.02}}
    summary = [pt("mle", "mle", 0.9, 0.0, 7.8, 9.6), pt("mle", "mle", 1.0, 0.0, 7.7, 10.0),
               pt("mle", "guide", 1.0, 1.0, 7.55, 9.7), pt("mle", "exact-guide", 1.0, 1.0, 5.7, 5.7),
               pt("mle", "exact-sir", 1.0, 1.0, 7.6, 9.55), pt("gan", "mle", 1.0, 0.0, 7.7, 10.0, n=1)]
    result = {"bench": "oracle", "quality": "y", "diversity": "x", "seeds": {"0": {"kind": "oracle"}},
              "summary": summary}
    seen = {}
    monkeypatch.setattr("seqgan_gumbel.metrics.plots.curves_and_points",
                        lambda curves, points, xl, yl, path, title: seen.update(curves=curves, points=points, title=title))
    mod.plot(result, tmp_path / "oracle.png")
    assert seen["curves"]["MLE: plain sampling over T"] == [(7.7, 10.0, 1.0), (7.8, 9.6, 0.9)]
    assert list(seen["curves"]) == ["MLE: plain sampling over T", "GAN: plain sampling over T"]
    assert [p[0] for p in seen["points"]] == ["MLE: guide, T=1, G=1", "MLE: exact-sir, T=1, G=1"]   # near: drawn
    assert "off the plot: MLE: exact-guide, T=1, G=1 at (5.700, 5.700)" in seen["title"]
    monkeypatch.undo()
    mod.plot(result, tmp_path / "oracle.png")                       # and really drawn
    assert (tmp_path / "oracle.png").read_bytes()[:4] == b"\x89PNG"


def _record(nll_oracle, nll_test, machine="x86_64, 1 torch threads, CPU"):
    rows = [{"temperature": t, "nll_oracle": nll_oracle - (1 - t), "nll_test": nll_test + (1 - t)} for t in (0.8, 1.0)]
    return {"nll_oracle": nll_oracle, "nll_test": nll_test, "wall_s": 10.0, "size": "full", "sweep_rows": rows,
            "pieces": [{"device": "cpu", "machine": machine, "date": "2026-11-27 10:00", "wall_s": 10.0}]}


def test_coco_table_of_a_benchmark_part_way_shows_no_spread_for_a_single_seed():
    """A COCO result with 2 MLE seeds and 1 GAN seed, its real-data row not written yet (that comes
    once every seed has run): the table renders, the one-seed GAN has no "± 0.000" spread and no
    standard error of its gap to the MLE curve, and the seed count says how far it got."""
    bs, rd = _module("bench.seeds"), _module("render.benches")
    keys = bs.FIGURES["coco"]

    def rec(bleu4, self_bleu4):
        figs = {k: 0.5 for k in keys} | {"bleu4": bleu4, "self_bleu4": self_bleu4, "wall_s": 10.0}
        rows = [{"temperature": t, **figs, "bleu4": bleu4 + (1 - t), "self_bleu4": self_bleu4 + 2 * (1 - t)}
                for t in (0.8, 1.0)]
        return figs | {"sweep_rows": rows}

    d = {"config": "configs/coco_bench_cpu.toml", "torch": "2.x", "machine": "CPU", "overrides": [], "num_samples": 100,
         "variants": {"mle": {"label": bs.VARIANTS["mle"], "seeds": {"0": rec(0.25, 0.45), "1": rec(0.27, 0.47)}},
                      "gan": {"label": bs.VARIANTS["gan"], "seeds": {"0": rec(0.26, 0.55)}}}}
    bs.aggregate(d, "coco", [0.8, 1.0])
    table = rd._coco_table(d)
    assert "| ours: MLE (the GAN's warm-up, trained alone) | 0.500 ± 0.000 | 0.500 ± 0.000 | 0.260 ± 0.014 |" in table
    assert "| ours: MLE warm-up + GAN | 0.500 | 0.500 | 0.260 | 0.500 |" in table
    assert "real data" not in table and "one GAN seed so far: no standard error" in table
    # the GAN at T = 1 (Self-BLEU-4 0.55) against the MLE curve (Self-BLEU-4, BLEU-4) from (0.46, 0.26) at
    # T = 1 to (0.86, 0.46) at T = 0.8: 0.26 + 0.2 * 0.09 / 0.4 = 0.305, so the GAN is 0.045 below, printed
    # without a spread; at T = 0.8 (Self-BLEU-4 0.95) it is outside the curve's range
    assert "| 1 | 0.500 | 0.260 | 0.460 | 0.500 | 0.500 | 0.260 | 0.550 | 0.500 | -0.045 |" in table
    assert "| 0.8 | 0.500 | 0.460 | 0.860 | 0.500 | 0.500 | 0.460 | 0.950 | 0.500 | - |" in table
    assert "2 seeds (the GAN: 1 of 2 so far)" in table


def test_seeds_run_side_by_side_merge_into_one_result_file(tmp_path):
    """Two processes, each with its own seed in memory, saving the same file: the second save keeps
    the first one's seed (merged under a lock) and re-summarises over both."""
    bs = _module("bench.seeds")
    temps = [0.8, 1.0]
    path = tmp_path / "full.json"
    one = {"overrides": [], "variants": {"mle": {"label": bs.VARIANTS["mle"], "seeds": {"0": _record(9.0, 7.8)}}}}
    two = {"overrides": [], "variants": {"mle": {"label": bs.VARIANTS["mle"], "seeds": {"1": _record(10.0, 7.6)}}}}
    for r in (one, two):
        bs.aggregate(r, "oracle", temps)
        bs.save(r, path, "oracle", temps)
    d = json.loads(path.read_text())
    assert set(d["variants"]["mle"]["seeds"]) == {"0", "1"}
    assert d["variants"]["mle"]["mean"]["nll_oracle"] == pytest.approx(9.5)
    assert len(d["sweep"]["rows"]) == 4
    # a seed already on disk is never replaced by another process's copy of it
    three = {"overrides": [], "variants": {"mle": {"label": bs.VARIANTS["mle"], "seeds": {"0": _record(1.0, 1.0)}}}}
    bs.aggregate(three, "oracle", temps)
    bs.save(three, path, "oracle", temps)
    assert json.loads(path.read_text())["variants"]["mle"]["seeds"]["0"]["nll_oracle"] == 1.0   # its own record wins
    # where and how fast a piece runs does not make it another run
    assert bs.same_run(["train.device=cuda", "train.cuda_graphs=true", "train.threads=1", "train.g_lr=1e-3"]) == \
        ["train.g_lr=1e-3"]


def test_unknown_benchmark_size_is_refused_with_the_missing_config():
    r = subprocess.run([sys.executable, "-m", "scripts.bench.seeds", "oracle", "--size", "huge"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and "there is no configs/oracle_bench_huge.toml" in r.stderr


def test_full_size_tables_count_seeds_list_unfinished_runs_and_judge_the_targets(tmp_path, monkeypatch):
    """The full-size renderer on a synthetic result: one MLE seed on a GPU, a GAN run stopped part-way
    (its curve kept, not in the result file), the targets judged from the curves."""
    rf = _module("render.full")
    bs = _module("bench.seeds")
    monkeypatch.setattr(rf, "ROOT", tmp_path)
    res = tmp_path / "results" / "oracle"
    gpu = "x86_64, 16 torch threads, NVIDIA H200"
    d = {"config": "configs/oracle_bench_full.toml", "torch": "2.x", "date": "2026-11-27", "overrides": [], "size": "full",
         "variants": {"mle": {"label": bs.VARIANTS["mle"], "seeds": {"0": _record(9.3, 7.9, gpu)}}}}
    bs.aggregate(d, "oracle", [0.8, 1.0])
    res.mkdir(parents=True)
    (res / "full.json").write_text(json.dumps(d))
    today = {"variants": {"mle": {"label": bs.VARIANTS["mle"], "seeds": {"0": _record(9.6, 7.9)}}}}
    bs.aggregate(today, "oracle", [0.8, 1.0])
    (res / "cpu.json").write_text(json.dumps(today))
    stopped = res / "full_runs" / "gan-s0"
    stopped.mkdir(parents=True)
    (stopped / "metrics.jsonl").write_text("\n".join(json.dumps({"phase": "adv", "step": s, "nll_oracle": 9.0, "nll_test": 8.0})
                                                     for s in (0, 100, 200)) + "\n")
    (stopped / "bench_pieces.json").write_text(json.dumps([{"machine": gpu, "wall_s": 30.0, "stopped": True}]))
    (stopped / "config.json").write_text(json.dumps({"config": "configs/oracle_bench_full.toml",
                                                     "overrides": {"train.adv_steps": "2500"}}))
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "oracle_bench_full.toml").write_text((ROOT / "configs" / "oracle_bench_full.toml").read_text())
    table = rf.oracle_size("full")
    assert "| 1 (0) | 9.300 | 7.900 | NVIDIA H200, 10 s |" in table
    assert "GAN seed 0: stopped part-way, last logged iteration 200 of 2,500 (1 piece(s) on NVIDIA H200, 30 s); " \
           "the same command resumes it only where runs/ holds its checkpoint" in table
    (stopped / "resume").mkdir()
    (stopped / "resume" / "checkpoint.pt").write_bytes(b"x")
    lost = res / "full_lost" / "gan-s1.1"
    lost.mkdir(parents=True)
    (lost / "metrics.jsonl").write_text(json.dumps({"phase": "adv", "step": 1400, "nll_oracle": 9.0}) + "\n")
    (lost / "bench_pieces.json").write_text(json.dumps([{"machine": gpu, "wall_s": 5.0, "stopped": True},
                                                        {"machine": "x86_64, 2 torch threads, CPU", "wall_s": 7.0}]))
    table = rf.oracle_size("full")
    assert "(1 piece(s) on NVIDIA H200, 30 s); its checkpoint is kept in full_runs/gan-s0/resume/: the same command " \
           "resumes it on any machine" in table
    assert "GAN seed 1, attempt 1: checkpoint lost at iteration 1,400 (2 piece(s) on CPU, NVIDIA H200, 12 s); its curve " \
           "is kept in full_lost/gan-s1.1" in table
    # the new MLE curve (NLL_oracle, NLL_test) (9.1, 8.1), (9.3, 7.9) against today's (9.4, 8.1), (9.6, 7.9):
    # 0.3 lower at both points; at NLL_test 8.0 the new curve is at 9.2 > 9.038
    assert "wherever they overlap: **reached** (T = 0.8: +0.300, T = 1: +0.300" in table
    assert "**missed** (9.200 at NLL_test 8.0)" in table
    assert "GAN NLL_oracle ≤ 6.68: not measured yet" in table
    rows, note = rf.headline_rows("oracle", ("nll_oracle", "nll_test"))
    assert rows == [f"| ours, RelGAN's recipe at full size (NVIDIA H200, 1 of 3 seeds): {bs.VARIANTS['mle']} | 9.300 | 7.900 |"]
    assert "1 of 3 MLE seeds, 0 of 3 GAN seeds" in note
    curves = _module("render.curves")
    assert curves.plot("oracle", res / "full_runs", tmp_path / "c.png", "t")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert not curves.plot("oracle", tmp_path / "nothing", tmp_path / "d.png", "t") and not (tmp_path / "d.png").exists()


def test_coco_full_table_judges_relgans_protocol_and_sets_the_gan_sweep_against_the_mle_curve(tmp_path, monkeypatch):
    """The COCO full-size table on a synthetic result (2 MLE seeds on a GPU, 1 GAN seed on a CPU):
    RelGAN's 100-hypothesis figures pooled over the draws, the target judged on their means, the
    sweep with the GAN's gap to the MLE curve, and a lost attempt listed apart."""
    rf, bs = _module("render.full"), _module("bench.seeds")
    monkeypatch.setattr(rf, "ROOT", tmp_path)
    gpu, cpu = "x86_64, 16 torch threads, NVIDIA H200", "x86_64, 2 torch threads, CPU"

    def rec(bleu4, self_bleu4, machine, relgan):
        figs = {k: 0.5 for k in bs.FIGURES["coco"]} | {"bleu4": bleu4, "self_bleu4": self_bleu4, "nll_test": 4.7,
                                                        "wall_s": 100.0}
        rows = [{"temperature": t, **figs, "bleu4": bleu4 + (1 - t), "self_bleu4": self_bleu4 + 2 * (1 - t),
                 "nll_test": 4.7 + (1 - t)} for t in (0.8, 1.0)]
        rel = {str(n): {"mean": relgan, "std": 0.01, "draws": [relgan - 0.01, relgan + 0.01]} for n in range(2, 6)}
        return figs | {"sweep_rows": rows, "relgan100": rel, "pieces": [{"machine": machine, "wall_s": 100.0}]}

    d = {"config": "configs/coco_bench_full.toml", "torch": "2.x", "date": "2026-11-28", "overrides": [], "size": "full",
         "variants": {"mle": {"label": bs.VARIANTS["mle"], "seeds": {"0": rec(0.25, 0.45, gpu, 0.6),
                                                                     "1": rec(0.27, 0.47, gpu, 0.6)}},
                      "gan": {"label": bs.VARIANTS["gan"], "seeds": {"0": rec(0.26, 0.55, cpu, 0.7)}}}}
    bs.aggregate(d, "coco", [0.8, 1.0])
    res = tmp_path / "results" / "coco"
    lost = res / "full_lost" / "gan-s0.1"
    lost.mkdir(parents=True)
    (lost / "metrics.jsonl").write_text(json.dumps({"phase": "adv", "step": 1400, "bleu4": 0.27}) + "\n")
    (lost / "bench_pieces.json").write_text(json.dumps([{"machine": gpu, "wall_s": 5.0, "stopped": True}]))
    (res / "full.json").write_text(json.dumps(d))
    table = rf.coco_full()
    # the GAN's pooled draws 0.69 and 0.71: mean 0.700, sd 0.014; its single seed has no spread on the 10,000 figure
    assert "| MLE warm-up + GAN | 1 | 0.500 | 0.500 | 0.260 | 0.500 | 0.700 ± 0.014 |" in table
    assert "| 0.550 | 4.700 | CPU, 100 s |" in table and "| NVIDIA H200, 100 s |" in table
    assert "**missed** (BLEU-2 0.700 vs 0.849, BLEU-3 0.700 vs 0.687" in table
    # MLE seed means: T = 1 (0.46, 0.26), T = 0.8 (0.86, 0.46); the GAN at T = 1 (0.55, 0.26) sits where the
    # MLE curve reads 0.26 + 0.2 * 0.09 / 0.4 = 0.305: 0.045 below; at T = 0.8 (Self-BLEU 0.95) it is outside
    assert "| 1 | 0.260 | 0.460 | 4.700 | 0.260 | 0.550 | 4.700 | -0.045 |" in table
    assert "| 0.8 | 0.460 | 0.860 | 4.900 | 0.460 | 0.950 | 4.900 | - |" in table
    assert "Not in the table (unfinished, or lost and begun again): GAN seed 0, attempt 1: checkpoint lost at " \
           "iteration 1,400 (1 piece(s) on NVIDIA H200, 5 s)" in table
    for n in range(2, 6):                                  # every order at or above RelGAN(100)'s: reached
        d["variants"]["gan"]["seeds"]["0"]["relgan100"][str(n)]["mean"] = 0.9
    (res / "full.json").write_text(json.dumps(d))
    assert "**reached** (BLEU-2 0.900 vs 0.849" in rf.coco_full()


def test_full_size_tables_name_the_device_each_seed_trained_on():
    """A seed's device is the one that holds most of its wall time (a GAN trained on the GPU and
    scored in a short CPU piece ran on the GPU); seeds on different devices are listed apart,
    each device with its own mean wall time."""
    rf = _module("render.full")
    gpu, cpu = "x86_64, 16 torch threads, NVIDIA H200", "x86_64, 2 torch threads, CPU"
    seeds = {"0": {"wall_s": 400.0, "pieces": [{"machine": gpu, "wall_s": 120.0}, {"machine": gpu, "wall_s": 250.0},
                                               {"machine": cpu, "wall_s": 30.0}]},
             "1": {"wall_s": 500.0, "pieces": [{"machine": cpu, "wall_s": 500.0}]},
             "2": {"wall_s": 700.0, "pieces": [{"machine": cpu, "wall_s": 200.0}, {"machine": cpu, "wall_s": 500.0}]}}
    assert rf._by_device(seeds) == {"NVIDIA H200": ["0"], "CPU": ["1", "2"]}
    assert rf._devices(seeds) == "NVIDIA H200 and CPU"
    assert rf._device_walls(seeds) == "NVIDIA H200 (seed 0), 400 s; CPU (seeds 1, 2), 600 s"
    assert rf._device_walls({"0": seeds["0"]}) == "NVIDIA H200, 400 s"


def test_bench_state_packs_what_the_next_piece_needs_and_unpacks_in_place(tmp_path, monkeypatch):
    import random

    bp = _module("bench.pack")
    blob = random.Random(0).randbytes(50000)             # incompressible: it must span parts
    src, dst = tmp_path / "src", tmp_path / "dst"
    res, runs = src / "results" / "oracle", src / "runs" / "bench" / "oracle-full"
    (res / "full_runs" / "gan-s0").mkdir(parents=True)
    (res / "full.json").write_text(json.dumps({"variants": {"mle": {"seeds": {"0": {}}}}}))
    (res / "full_runs" / "gan-s0" / "metrics.jsonl").write_text("{}\n")
    for run, names in {"mle-s0": ("checkpoint.pt", "checkpoint.prev.pt", "pretrained.pt", "train.txt"),
                       "gan-s0": ("checkpoint.pt", "checkpoint.prev.pt", "metrics.jsonl")}.items():
        (runs / run).mkdir(parents=True)
        for n in names:
            (runs / run / n).write_bytes(blob if n.startswith("checkpoint") else n.encode())
    monkeypatch.setattr(bp, "ROOT", src)
    monkeypatch.setattr(bp, "PART", 20000)                 # several parts, joined back in order
    parts = bp.pack(tmp_path / "out", ["oracle", "coco"], "full")
    assert len(parts) > 1 and all(p.stat().st_size <= 20000 for p in parts)
    monkeypatch.setattr(bp, "ROOT", dst)
    got = set(bp.unpack(tmp_path / "out"))
    assert got == {"results/oracle/full.json", "results/oracle/full_runs/gan-s0/metrics.jsonl",
                   "runs/bench/oracle-full/mle-s0/pretrained.pt",          # a finished seed: its small files only
                   "runs/bench/oracle-full/gan-s0/checkpoint.pt", "runs/bench/oracle-full/gan-s0/metrics.jsonl"}
    assert (dst / "runs/bench/oracle-full/gan-s0/checkpoint.pt").read_bytes() == blob
    # the unfinished run's snapshot kept with the results is renewed from it; the finished one has none
    snapshot = dst / "results/oracle/full_runs/gan-s0/resume"
    assert (snapshot / "checkpoint.pt").read_bytes() == blob and (snapshot / "metrics.jsonl").read_bytes() == b"metrics.jsonl"
    assert not (snapshot / "checkpoint.prev.pt").exists() and not (dst / "results/oracle/full_runs/mle-s0").exists()


def test_the_reverse_recipe_study_measures_one_fits_noise_and_what_an_unbiased_judge_that_noisy_reaches():
    rr = _module("bench.reverse_recipes")
    truth = [7.9, 7.8, 7.75, 7.73, 7.72]
    assert rr.unbiased_pass_rate(truth, 0.8, 0.0, draws=50)["pass_rate"] == 1.0      # no noise: exact ranks
    assert rr.unbiased_pass_rate(truth, 0.8, 10.0, draws=400)["pass_rate"] < 0.2      # noise swamps every gap
    # two fits of each point differing by +d and -d about their mean: sigma of one fit = sd(differences) / sqrt 2
    diffs = [0.01, -0.01, 0.02, 0.0, -0.02]
    rows = [{"nll_test": t, "recorded": 0.8 * t + d / 2, "reverse_lm": 0.8 * t - d / 2} for t, d in zip(truth, diffs)]
    assert rr.noise({"recipes": {}}) is None
    n = rr.noise({"recipes": {"seed1": {"rows": rows}}})
    sd = (sum((d - sum(diffs) / 5) ** 2 for d in diffs) / 4) ** 0.5
    assert n["sigma"] == pytest.approx(sd / 2 ** 0.5) and n["slope"] == pytest.approx(0.8)
    assert n["spearman_mean_of_two_seeds"] == pytest.approx(1.0)         # the two fits' mean is 0.8 x truth


def _add_keys(path, prefix, n):
    from scripts.bench.locked import update_json

    for i in range(n):
        update_json(path, lambda: {"keys": []}, lambda r: r | {"keys": [*r["keys"], f"{prefix}{i}"]})


def test_result_files_updated_by_processes_side_by_side_keep_every_update(tmp_path):
    """Two processes each read-modify-write the same file 30 times: under the lock none is lost
    (without it, one's read between the other's read and write drops an update)."""
    import multiprocessing

    path = tmp_path / "sub" / "result.json"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_add_keys, args=(path, p, 30)) for p in "ab"]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    keys = json.loads(path.read_text())["keys"]
    assert sorted(keys) == sorted(f"{p}{i}" for p in "ab" for i in range(30))
    assert [k for k in keys if k[0] == "a"] == [f"a{i}" for i in range(30)]          # each process's in order


def test_spearman_is_the_closed_form_without_ties_and_averages_tied_ranks():
    from scripts.stats import spearman

    truth, judged = [1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 1.0, 4.0, 3.0, 5.0]     # d = -1, 1, -1, 1, 0
    assert spearman(truth, judged) == pytest.approx(1 - 6 * 4 / (5 * 24))
    assert spearman(truth, [-x for x in truth]) == pytest.approx(-1.0)
    # ties: ranks (1.5, 1.5, 3) against (1, 2, 3): Pearson of the ranks
    assert spearman([1.0, 1.0, 2.0], [1.0, 2.0, 3.0]) == pytest.approx(0.8660254, abs=1e-6)


def test_spearman_leaves_out_the_pairs_with_an_undefined_figure():
    from scripts.stats import spearman

    # a run with no valid sample has no grammar NLL of its valid samples, nor a judge NLL of them
    assert spearman([1.0, None, 3.0, 2.0], [1.0, 5.0, 2.0, None]) == pytest.approx(1.0)   # (1, 1), (3, 2)
    assert spearman([1.0, None, 3.0], [2.0, 5.0, 1.0]) == pytest.approx(-1.0)
    assert spearman([1.0, None], [None, 2.0]) is None                 # fewer than two pairs: undefined


def test_the_arith_judges_table_prints_a_run_with_no_valid_sample_as_such(monkeypatch):
    rj = _module("render.judges")
    d = json.loads((ROOT / "results/judges/arith.json").read_text())
    d["trained"][0].update(nll_valid=None, lm_nll_valid=None)
    d["spearman_lm_valid_vs_grammar_nll_valid"] = None
    monkeypatch.setattr(rj, "load_result", lambda path: d)
    text = rj.judges_arith()
    row = next(line for line in text.splitlines() if line.startswith(f"| {d['trained'][0]['generator']} |"))
    assert row.count("none (no valid sample)") == 2
    assert "their grammar NLL, trained runs | undefined (fewer than two runs with a valid sample) | - |" in text


def test_the_reverse_sizes_study_counts_the_pairs_of_temperatures_the_reverse_lm_orders_as_the_truth():
    rs = _module("bench.reverse_sizes")
    fits = {}
    for n, scores in ((1000, (7.40, 7.38, 7.39)), (4000, (7.37, 7.35, 7.38))):
        for t, score, truth in zip((0.85, 1.0, 1.2), scores, (5.81, 5.75, 5.82)):
            fits[rs.key(t, n, 0)] = {"temperature": t, "n": n, "seed": 0, "nll_test": truth, "reverse_lm": score}
    for t, score, truth in zip((0.85, 1.0, 1.2), (7.30, 7.28, 7.31), (5.81, 5.75, 5.82)):    # stopped on real text
        fits[rs.key(t, 1000, 0, "real")] = {"temperature": t, "n": 1000, "seed": 0, "stop": "real", "nll_test": truth,
                                             "reverse_lm": score}
    assert rs.key(1.0, 1000, 0) == "T=1 N=1000 seed=0" and rs.key(1.0, 1000, 0, "real").endswith(" stop=real")
    small, large, real = rs.summary(fits)
    assert (real["stop"], real["n"], real["pairs_ordered_as_truth"]) == ("real", 1000, 3) and small["stop"] == "samples"
    # truth orders 1 < 0.85 < 1.2; at N=1000 the reverse LM has 1.2 ahead of 0.85 (one pair of three wrong)
    assert (small["n"], small["pairs_ordered_as_truth"], small["pairs"]) == (1000, 2, 3)
    assert (large["n"], large["pairs_ordered_as_truth"]) == (4000, 3)
    assert large["temperatures"] == [0.85, 1.0, 1.2] and large["reverse_lm"] == [7.37, 7.35, 7.38]


def test_coco_judges_table_sets_the_reinforce_gan_against_each_seeds_mle_decoders(monkeypatch):
    rj = _module("render.judges")

    def row(t, bleu4, self_bleu4, lm, rev, mauve, **knob):
        return {"temperature": t, "bleu4": bleu4, "self_bleu4": self_bleu4, "lm_score": lm, "reverse_lm": rev,
                "mauve": mauve, "frechet": 1.0, **knob}

    seeds = {}
    for s, shift in (("0", 0.0), ("1", 0.01)):
        seeds[s] = {"mle": [row(0.85, 0.30, 0.50, 3.0, 4.0, 0.90), row(1.0, 0.25, 0.40, 3.2, 3.8, 0.95)],
                    # on the MLE frontier's chord at reverse-LM 3.9 the LM score is 3.1: this point is 0.1 + shift below
                    "reinforce": [row(1.0, 0.28, 0.45, 3.0 - shift, 3.9, 0.94)]}
    monkeypatch.setattr(rj, "load_result", lambda path: {"seeds": seeds, "num": 100, "judge": "abc",
                                                          "judge_validation_nll": 3.5})
    table = rj.judges_coco()
    label = "REINFORCE GAN (dense rewards), T = 1"
    assert f"| {label} | 0.280 ± 0.000 | 0.450 ± 0.000 | 2.995 ± 0.005 |" in table
    gaps = rj._gaps(rj.load_result(""))[label]
    assert gaps["LM score / reverse-LM"] == pytest.approx([0.1, 0.11])
    assert gaps["MAUVE"] == pytest.approx([-0.01, -0.01])


def test_coco_judges_table_gives_the_reinforce_gans_change_from_the_run_it_started_from(monkeypatch):
    rj = _module("render.judges")
    figures = ("bleu4", "self_bleu4", "lm_score", "reverse_lm", "mauve", "frechet")
    seeds = {s: {"reinforce_start": [dict(zip(figures, (0.25, 0.40, 3.2, 3.8, 0.95, 1.0)), temperature=1.0)],
                 "reinforce": [dict(zip(figures, (0.25 + dv, 0.40, 3.2 - dv, 3.8, 0.95, 1.0)), temperature=1.0)]}
             for s, dv in (("0", 0.01), ("1", 0.03))}
    monkeypatch.setattr(rj, "load_result", lambda path: {"seeds": seeds, "num": 100, "judge": "abc",
                                                          "judge_validation_nll": 3.5})
    text = rj.judges_coco()
    assert "| MLE the REINFORCE GAN started from, T = 1 | 0.250 ± 0.000 |" in text
    assert "| REINFORCE GAN (dense rewards) | 1 | 2 | +0.020 ± 0.010 | +0.000 ± 0.000 | -0.020 ± 0.010 |" in text


def test_coco_judges_table_keeps_points_of_a_refitted_judge_off_the_frontier_and_says_so(monkeypatch):
    rj = _module("render.judges")
    figures = ("bleu4", "self_bleu4", "lm_score", "reverse_lm", "mauve", "frechet")
    row = dict(zip(figures, (0.25, 0.40, 3.2, 3.8, 0.95, 1.0)), temperature=1.0)
    seeds = {"0": {"mle": [row], "gan": [row], "reinforce": [row], "reinforce_start": [row],
                   "reinforce_judge_validation_nll": 3.7512, "reinforce_start_judge_validation_nll": 3.7512}}
    d = {"seeds": seeds, "num": 100, "judge": "abc", "judge_validation_nll": 3.7528}
    monkeypatch.setattr(rj, "load_result", lambda path: d)
    assert set(rj._gaps(d)) == {"GAN, T = 1"}
    text = rj.judges_coco()
    assert "validation NLL 3.7512 against 3.7528" in text and "REINFORCE GAN (dense rewards)" in text
    seeds["0"]["reinforce_judge_validation_nll"] = 3.7528            # the same judge: on the frontier table again
    assert set(rj._gaps(d)) == {"GAN, T = 1", "REINFORCE GAN (dense rewards), T = 1"}


def test_the_readme_headline_of_the_coco_judges_leaves_out_the_reverse_lm_that_misses_its_oracle_check(monkeypatch):
    """Issue 30's rule: a judge that misranks where the truth is known is not published, so the headline
    sets the GAN against the MLE decoders' frontier in BLEU-4 at the same Self-BLEU-4 (exact figures)."""
    rj = _module("render.judges")
    figures = ("bleu4", "self_bleu4", "lm_score", "reverse_lm", "mauve", "frechet")
    mle = [dict(zip(figures, f), temperature=t) for t, f in ((0.85, (0.30, 0.50, 3.0, 4.0, 0.90, 1.0)),
                                                             (1.0, (0.25, 0.40, 3.2, 3.8, 0.95, 1.0)))]
    # Self-BLEU-4 0.45 lies halfway along the MLE's chord, where its BLEU-4 is 0.275: the GAN is 0.005 (+ shift) below
    seeds = {s: {"mle": mle, "gan": [dict(zip(figures, (0.27 - shift, 0.45, 3.1, 3.9, 0.80, 1.0)), temperature=1.0)]}
             for s, shift in (("0", 0.0), ("1", 0.01))}
    monkeypatch.setattr(rj, "load_result", lambda path: {"seeds": seeds, "num": 100, "judge": "abc",
                                                          "judge_validation_nll": 3.5})
    table = rj.headline_judges()
    header = table.splitlines()[0]
    assert "reverse-LM" not in header and "BLEU-4 above the MLE decoders' frontier" in header
    assert "| GAN, T = 1 | 0.265 ± 0.005 | 0.450 ± 0.000 | 3.100 ± 0.000 | 0.800 ± 0.000 | -0.010 ± 0.005 | -0.150 ± 0.000 |" in table
    assert "| MLE, T = 1 | 0.250 ± 0.000 | 0.400 ± 0.000 | 3.200 ± 0.000 | 0.950 ± 0.000 | - | - |" in table


def test_the_scratchgan_config_is_the_recipe_the_benchmarks_measured():
    """configs/arith_scratchgan.toml is configs/arith_scratch.toml with ablate_scratch's ScratchGAN
    overrides (those of the estimators' sg512_all rows) and 3,000 updates: the CNN's filter widths
    aside, which the LSTM critic never reads."""
    from dataclasses import asdict

    from seqgan_gumbel.setup.config import load_config

    recipe = _module("bench.ablate_scratch").SCRATCHGAN
    measured = asdict(load_config(str(ROOT / "configs/arith_scratch.toml"), [*recipe, "train.adv_steps=3000"]))
    ours = asdict(load_config(str(ROOT / "configs/arith_scratchgan.toml"), []))
    for cfg in (measured, ours):
        cfg["discriminator"].pop("filter_widths")
    assert ours == measured


def test_grammar_benchmark_scores_each_run_over_sampling_temperatures(tmp_path):
    """--temperatures keeps each seed's curve: at T = 1 the held-out NLL ratio is the run's own (the
    same generator, the same strings); colder samples are sharper (a lower grammar NLL and a lower
    generator NLL of their own kind) and tempering moves the generator off the held-out strings."""
    r = subprocess.run([sys.executable, "-m", "scripts.bench.grammar", "--grammars", "arith", "--variants", "mle",
                        "--seeds", "0", "--results", tmp_path, "--temperatures", "0.5,1,2", "--threads", "1",
                        "--set", "train.mle_steps=150", "--set", "data.num_train=500", "--set", "data.num_test=200"],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    run = json.loads((tmp_path / "arith.json").read_text())["runs"]["mle"]["seeds"]["0"]
    rows = {row["temperature"]: row for row in run["temperatures"]}
    assert list(rows) == [0.5, 1.0, 2.0]
    assert run["cpu_capability"] == torch.backends.cpu.get_cpu_capability()   # floats can differ between kinds
    assert rows[1.0]["gen_nll_test_ratio"] == pytest.approx(run["gen_nll_test_ratio"], rel=1e-9)
    assert rows[0.5]["nll_samples_ratio"] < rows[1.0]["nll_samples_ratio"] < rows[2.0]["nll_samples_ratio"]
    assert rows[0.5]["unique_ratio"] < rows[2.0]["unique_ratio"] and rows[0.5]["valid"] > rows[2.0]["valid"]
    assert min(rows[0.5]["gen_nll_test_ratio"], rows[2.0]["gen_nll_test_ratio"]) > rows[1.0]["gen_nll_test_ratio"]
    for row in rows.values():      # every figure a ratio to the same held-out strings' as the run's own
        assert set(row) == {"temperature", "valid", "unique_ratio", "mean_length", "nll_samples_ratio", "gen_nll_test_ratio"}


def test_a_seed_whose_samples_hold_no_valid_string_is_kept_with_a_null_sample_nll(tmp_path, monkeypatch, capsys):
    """The seed is written before it is printed, and neither step needs a sample NLL."""
    grammar = _module("bench.grammar")
    run = (dict.fromkeys(grammar.FIGURES, 1.0) | {"valid": 0.0, "nll_samples": None, "nll_samples_ratio": None}
           | {"reference": dict.fromkeys(grammar.REFERENCE, 1.0)})
    monkeypatch.setattr(grammar, "one_run", lambda *args: dict(run))
    monkeypatch.setattr(sys, "argv", ["grammar", "--grammars", "kusner", "--variants", "scratch", "--seeds", "0",
                                      "--results", str(tmp_path)])
    grammar.main()
    assert "seed 0: valid 0.000, unique x1.000, NLL samples none valid" in capsys.readouterr().out
    kept = json.loads((tmp_path / "kusner.json").read_text())["runs"]["scratch"]
    assert kept["seeds"]["0"]["nll_samples_ratio"] is None and kept["mean"]["nll_samples_ratio"] is None


def test_the_docs_grammar_tables_print_a_seed_with_no_valid_sample_as_such(monkeypatch):
    """A variant whose every seed drew no valid string has a null sample NLL: the grammar tables say
    so and count no target met, where formatting the null raised; a variant where some seeds did
    takes the figure over those, and says over how many."""
    docs = _module("render.docs")
    bench = _module("bench.grammar")
    seed = {"valid": 0.0, "unique": 0.01, "unique_ratio": 0.02, "nll_samples": None, "nll_samples_ratio": None,
            "gen_nll_test": 90.0, "gen_nll_test_ratio": 7.5, "mean_length": 1.0, "wall_s": 100.0, "threads": 1}
    good = seed | {"valid": 0.995, "nll_samples": 10.0, "nll_samples_ratio": 1.0, "gen_nll_test_ratio": 1.01,
                   "unique_ratio": 1.0}
    runs = {"scratch": {"0": seed, "1": seed}, "gan": {"0": good, "1": seed}}
    result = {"reference": {"n": 2000, "valid": 1.0, "unique": 0.43, "nll_valid": 10.0}, "machine": "test",
              "torch": "x", "runs": {k: bench.summarise(k, None, [], s) | {"seeds": s} for k, s in runs.items()}}
    ablation = {"reference": {"unique": 0.43}, "machine": "test", "torch": "x",
                "runs": {"collapsed": seed, "fine": good}}
    summary = {"samples": {"valid": 0.0, "unique": 0.01, "novel": 1.0, "mean_length": 16.0, "nll_valid": None},
               "wall_s": 9.0, "device": "cpu", "threads": 1}       # a run's summary.json, every sample invalid
    monkeypatch.setattr(docs, "load_result", lambda rel: ablation if "scratch_ablation" in rel
                        else summary if rel.endswith("_summary.json") else result if rel.endswith("arith.json") else None)
    assert f"| 16.00 | {docs.NONE_VALID} | 9 s, cpu, 1 threads |" in docs.arith_default()
    rows = {line.split("|")[1].strip(): line for line in docs.grammar_bench().splitlines() if line.startswith("| ")}
    assert f"| {docs.NONE_VALID} |" in rows["scratch"] and "sample NLL none (no valid sample) missed (0/2" in rows["scratch"]
    assert "10.00 (x1.000 ± 0.000, 1 of 2 seeds drew a valid string)" in rows["gan"]
    table = docs.scratch_ablation()
    assert f"| collapsed | 0.000 | 0.010 | {docs.NONE_VALID} | x7.500 |" in table and "| fine | 0.995 | 0.010 | x1.000 |" in table
