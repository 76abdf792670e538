import glob
import json
import time

import pytest
import torch

from seqgan_gumbel.storage.checkpoint import load_checkpoint
from seqgan_gumbel.cli.parser import main
from seqgan_gumbel.setup.config import load_config
from seqgan_gumbel.models.discriminator import CNNDiscriminator
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.training.start import train

TINY = ["data.num_train=300", "data.num_test=200", "train.batch_size=16", "train.mle_steps=30",
        "train.adv_steps=4", "train.log_every=5", "train.eval_samples=16", "train.eval_test=200",
        "train.num_samples=10", "discriminator.num_filters=8"]


@pytest.mark.slow
def test_wandb_offline_run_files_hold_the_metrics(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    out = tmp_path / "wb"
    train(load_config(None, TINY + ["log.wandb=true"]), out, progress=False)
    [run_file] = glob.glob(str(out / "wandb" / "offline-run-*" / "run-*.wandb"))
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    values = [(k, v) for r in rows for k, v in r.items() if isinstance(v, float) and k != "elapsed_s"]
    assert len(values) > 20
    # wandb stores each logged value as its JSON text: every figure of metrics.jsonl is there
    # (an integral float such as 4.0 may be stored as 4). Its service process writes the file
    # asynchronously, and on a loaded machine it can still be writing after finish() returns.
    for _ in range(60):
        data = open(run_file, "rb").read()
        missing = [(k, v) for k, v in values
                   if json.dumps(v).encode() not in data and not (v.is_integer() and json.dumps(int(v)).encode() in data)]
        if not missing:
            break
        time.sleep(0.5)
    assert not missing, missing[:5]


def test_wandb_missing_is_a_user_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__",
                        lambda name, *a, **k: (_ for _ in ()).throw(ImportError()) if name == "wandb" else real_import(name, *a, **k))
    with pytest.raises(UserError, match="pip install"):
        train(load_config(None, TINY + ["log.wandb=true"]), tmp_path / "x", progress=False)


def test_report_png_is_drawn_at_the_end_and_on_demand(tmp_path, capsys):
    out = tmp_path / "r"
    train(load_config(None, TINY), out, progress=False)
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    (out / "report.png").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.png").is_file()
    assert main(["report", str(tmp_path)]) == 2


def test_pretrained_generator_is_saved_and_reused(tmp_path):
    a = tmp_path / "a"
    train(load_config(None, TINY), a, progress=False)
    pre = load_checkpoint(a / "pretrained.pt")
    assert "opt_g" not in pre and "generator" in pre
    b = tmp_path / "b"
    train(load_config(None, TINY + [f"train.init_generator={a / 'pretrained.pt'}"]), b, progress=False)
    rows = [json.loads(l) for l in (b / "metrics.jsonl").read_text().splitlines()]
    assert rows[0]["phase"] == "init" and not any(r["phase"] == "mle" for r in rows)
    # It starts where the first run's warm-up ended: same held-out NLL before any step.
    first = [json.loads(l) for l in (a / "metrics.jsonl").read_text().splitlines()]
    last_mle = [r for r in first if r["phase"] == "mle"][-1]
    assert rows[0]["nll_test"] == pytest.approx(last_mle["nll_test"], rel=1e-6)
    with pytest.raises(UserError, match="another vocabulary"):
        train(load_config(None, TINY + ["data.grammar=kusner", f"train.init_generator={a / 'pretrained.pt'}"]),
              tmp_path / "c", progress=False)
    with pytest.raises(UserError, match="generator-only"):
        from seqgan_gumbel.training.start import resume
        resume(a / "pretrained.pt")


def test_warm_up_in_epochs_stops_early_on_the_validation_split_and_keeps_the_best(tmp_path):
    out = tmp_path / "es"
    cfg = load_config(None, TINY + ["train.mle_epochs=40", "train.mle_lr=0.02", "train.mle_patience=2",
                                    "data.validation_fraction=0.1", "train.adv_steps=0", "train.log_every=10"])
    summary = train(cfg, out, progress=False)
    assert summary["data"]["train"] == 270 and summary["data"]["validation"] == 30
    assert summary["mle_steps"] == 40 * (270 // 16)          # epochs of what is trained on
    assert len((out / "train.txt").read_text().splitlines()) == 270
    assert len((out / "validation.txt").read_text().splitlines()) == 30
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines() if '"mle"' in l]
    assert summary["mle_early_stopped_at"] < summary["mle_steps"]
    # The kept generator is the one with the best validation NLL; its test NLL is what that step
    # logged (all 200 test strings), whether or not it was the lowest test NLL.
    best = min(rows, key=lambda r: r["nll_validation"])
    assert summary["nll_test"] == pytest.approx(best["nll_test"], rel=1e-9)


def test_the_validation_split_is_seeded_disjoint_and_never_the_test_split():
    from seqgan_gumbel.training.trainer import Trainer

    def split(seed):
        t = Trainer(load_config(None, TINY + ["data.validation_fraction=0.25", f"train.seed={seed}"]), None,
                    progress=False)
        assert t.kind.train == t.data.sequences and len(t.kind.train) == 225   # novelty: against what is trained on
        return t.data.ids, t.data.val_ids, t.data.test_ids

    train_ids, val, test = split(0)
    assert val.shape[0] == 75 and train_ids.shape[0] == 225
    whole = Trainer(load_config(None, TINY), None, progress=False).data.ids
    rows = lambda x: sorted(map(tuple, x.tolist()))                       # noqa: E731
    assert rows(torch.cat([train_ids, val])) == rows(whole)               # a partition of the training data
    assert torch.equal(split(0)[1], val)                                    # the same seed, the same split
    with pytest.raises(UserError, match="train.mle_patience.*data.validation_fraction"):
        load_config(None, ["train.mle_patience=3"])
    with pytest.raises(UserError, match="leaves no training sequence"):
        Trainer(load_config(None, TINY + ["data.validation_fraction=0.9999"]), None, progress=False)


def test_a_trainer_applies_train_threads_as_it_is_built():
    """Every way a run starts (train, resume, the benchmarks' own Trainers) honours train.threads,
    because the Trainer sets it before it builds the data; 0 leaves the caller's count alone."""
    from seqgan_gumbel.training.trainer import Trainer

    before = torch.get_num_threads()
    other = 1 if before > 1 else 2
    try:
        Trainer(load_config(None, TINY + [f"train.threads={other}"]), None, progress=False)
        assert torch.get_num_threads() == other
        torch.set_num_threads(before)
        Trainer(load_config(None, TINY), None, progress=False)
        assert torch.get_num_threads() == before
    finally:
        torch.set_num_threads(before)


def relgan_pooled(d: CNNDiscriminator, x: torch.Tensor) -> torch.Tensor:
    """RelGAN's features: a 1-channel Conv2d with kernel (w, emb / num_rep) and that stride over
    [B, 1, T, emb], max-pooled over time -> [B, R, features]."""
    emb = d.embed(x).unsqueeze(1)
    pooled = []
    for conv in d.convs:
        c2 = torch.nn.Conv2d(1, conv.out_channels, (conv.kernel_size[0], d.rep_dim), stride=(1, d.rep_dim))
        c2.weight.data = conv.weight.data.permute(0, 2, 1).unsqueeze(1)
        c2.bias.data = conv.bias.data
        pooled.append(torch.relu(c2(emb)).amax(dim=2))        # [B, F, R]
    return torch.cat(pooled, 1).permute(0, 2, 1)


def test_multi_representation_cnn_matches_relgans_conv2d_formulation():
    torch.manual_seed(0)
    d = CNNDiscriminator(20, 8, (2, 3), 5, 0.0, False, num_rep=4).eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 20, (3, 7)), 20).float()
    out = d(x)
    assert out.shape == (3, 4)
    p = relgan_pooled(d, x)
    h, g = d.highway(p).chunk(2, -1)
    g = torch.sigmoid(g)
    ref = d.head.linear(g * torch.relu(h) + (1 - g) * p).squeeze(-1)
    assert torch.allclose(out, ref, atol=1e-6)


def test_shared_highway_and_hidden_head_are_textgan_relgans():
    """highway='shared', head_hidden: TextGAN-PyTorch's RelGAN_D (one linear layer as gate and
    transform, then feature2out and out2logits), written out by hand."""
    torch.manual_seed(0)
    d = CNNDiscriminator(20, 8, (2, 3), 5, 0.0, False, num_rep=4, highway="shared", head_hidden=7).eval()
    x = torch.nn.functional.one_hot(torch.randint(4, 20, (3, 7)), 20).float()
    pred = relgan_pooled(d, x).reshape(-1, 10)                   # [B * R, features]
    hw = d.highway(pred)
    pred = torch.sigmoid(hw) * torch.relu(hw) + (1 - torch.sigmoid(hw)) * pred
    logits = d.head.linear(d.head.hidden(pred)).view(3, 4)
    assert d.highway.weight.shape == (10, 10) and torch.allclose(d(x), logits, atol=1e-6)


def test_relgan_discriminator_trains(tmp_path):
    out = tmp_path / "rep"
    train(load_config(None, TINY + ["discriminator.num_rep=4", "discriminator.emb_dim=16", "train.loss=rsgan"]),
          out, progress=False)
    assert load_checkpoint(out)["discriminator"]["embed.weight"].shape[0] == 16


@pytest.mark.parametrize("relgan", [False, True])
def test_bf16_autocast_trains_with_fp32_noise_and_losses(tmp_path, relgan):
    from seqgan_gumbel.models.generator import Generator

    out = tmp_path / "bf16"
    # relgan: one-channel representations, so the lean convolutions and the fused gate run in bf16.
    extra = ["discriminator.num_rep=16", "discriminator.emb_dim=16", "discriminator.highway=shared",
             "discriminator.head_hidden=10", "train.loss=rsgan"] if relgan else []
    cfg = load_config(None, TINY + extra + ["train.precision=bf16", "discriminator.input=relaxed"])
    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        # oneDNN cannot run the LSTM in bf16 without AVX-512 BF16 or AMX: a clear refusal, not a crash
        with pytest.raises(UserError, match="train.precision bf16 on the CPU needs a processor with bf16"):
            train(cfg, out, progress=False)
        return
    train(cfg, out, progress=False)
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert all(torch.isfinite(torch.tensor([r["d_loss"], r["g_loss"]])).all() for r in rows if r["phase"] == "adv")
    gen = Generator(9, 6, 10, 8, bos=1, eos=2, pad=0, banned=(0, 1, 3))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        g = gen.generate(4, tau=0.5, critic_input="relaxed")
        assert gen.out(torch.zeros(1, 10)).dtype == torch.bfloat16      # autocast is on
    assert g.vectors.dtype == torch.float32                             # the relaxation is not


def test_cuda_graphs_on_the_cpu_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="cuda_graphs needs a CUDA GPU"):
        train(load_config(None, TINY + ["train.cuda_graphs=true", "train.device=cpu"]), tmp_path / "c", progress=False)


def test_linear_lr_decay_sets_both_adversarial_learning_rates_each_iteration():
    from seqgan_gumbel.training.trainer import Trainer

    cfg = load_config(None, TINY + ["train.mle_steps=0", "train.lr_decay=linear", "train.g_lr=4e-3",
                                    "train.d_lr=2e-3", "log.report=false"])
    trainer = Trainer(cfg, None, progress=False)
    seen = []
    trainer.adversarial_step = lambda tau, measure=False: seen.append((trainer.opt_g.param_groups[0]["lr"],
                                                        trainer.opt_d.param_groups[0]["lr"])) or {}
    for local in range(1, 5):
        trainer._step("adv", local)
    assert [g for g, _ in seen] == pytest.approx([4e-3 * f for f in (1, 0.75, 0.5, 0.25)])
    assert [d for _, d in seen] == pytest.approx([2e-3 * f for f in (1, 0.75, 0.5, 0.25)])
    with pytest.raises(UserError, match="train.lr_decay: choose one of constant, linear"):
        load_config(None, ["train.lr_decay=cosine"])


def test_weight_average_is_the_exponential_moving_average_of_the_trained_weights():
    from seqgan_gumbel.training.averaging import WeightAverage

    model = torch.nn.Linear(2, 1, bias=False)
    avg = WeightAverage(model, 0.75)
    assert avg.sampler(model) is model                    # before the first update: the weights themselves
    expected = None
    for w in ([1.0, 2.0], [3.0, -2.0], [5.0, 0.0]):
        model.weight.data = torch.tensor([w])
        avg.update(model)
        expected = torch.tensor([w]) if expected is None else 0.75 * expected + 0.25 * torch.tensor([w])
        assert torch.allclose(avg.sampler(model).weight, expected)
    assert avg.sampler(model) is not model and WeightAverage(model, 0.0).state_dict() is None


def test_a_run_with_averaging_and_lr_decay_resumes_bit_identical_and_saves_the_average(tmp_path, monkeypatch):
    import os
    import signal

    from seqgan_gumbel.training.stopping import Interrupted
    from seqgan_gumbel.training.trainer import Trainer
    from seqgan_gumbel.training.start import resume

    items = TINY + ["train.adv_steps=12", "train.g_average=0.9", "train.lr_decay=linear", "train.threads=1",
                    "train.checkpoint_every=0", "log.report=false"]
    train(load_config(None, items), tmp_path / "full", progress=False)
    real_step = Trainer._step

    def stop_after_five(self, phase, local):
        figures = real_step(self, phase, local)
        if phase == "adv" and local == 5:
            os.kill(os.getpid(), signal.SIGTERM)          # the run stops at the end of this step
        return figures

    monkeypatch.setattr(Trainer, "_step", stop_after_five)
    with pytest.raises(Interrupted):
        train(load_config(None, items), tmp_path / "stopped", progress=False)
    assert load_checkpoint(tmp_path / "stopped")["average"]["steps"] == 5
    monkeypatch.setattr(Trainer, "_step", real_step)
    resume(tmp_path / "stopped", progress=False)
    a, b = load_checkpoint(tmp_path / "full"), load_checkpoint(tmp_path / "stopped")
    for key in ("generator", "generator_trained", "discriminator"):
        assert all(torch.equal(a[key][k], b[key][k]) for k in a[key]), key
    assert a["average"]["steps"] == 12
    assert all(torch.equal(a["generator"][k], a["average"]["weights"][k]) for k in a["generator"])
    assert not all(torch.equal(a["generator"][k], a["generator_trained"][k]) for k in a["generator"])
    assert (tmp_path / "full" / "samples.txt").read_text() == (tmp_path / "stopped" / "samples.txt").read_text()


def _paired_losses(base: list[str], key: str, weight: float, method: str) -> tuple[list, list, list]:
    """Trainers from base with key=0 and key=weight, each one generator loss (gstep.loss at tau 0.5)
    from the same seed, and every input of their critics' method ("forward" or "features") in order."""
    from seqgan_gumbel.training import gstep
    from seqgan_gumbel.training.trainer import Trainer

    trainers, losses, calls = [], [], []
    for w in (0.0, weight):
        t = Trainer(load_config(None, base + [f"{key}={w}", "log.report=false"]), None, progress=False)
        original = getattr(t.disc, method)
        setattr(t.disc, method, lambda x, original=original: calls.append(x.detach()) or original(x))
        torch.manual_seed(7)
        trainers.append(t)
        losses.append(gstep.loss(t, 0.5))
    return trainers, losses, calls


@pytest.mark.parametrize("z_dim", [0, 4])
def test_the_relaxations_entropy_bonus_is_the_step_entropy_along_its_own_draws(z_dim):
    """train.entropy_weight under the relaxation: the generator loss falls by the weight times the
    batch's mean summed entropy of p(. | prefix) along the very sequences the critic reads (the
    same latent codes), computed here independently by torch.distributions; and the bonus draws
    nothing of its own, so the critic's batch is the one the run without it reads."""
    weight = 0.5
    trainers, losses, seen = _paired_losses(TINY + ["train.mle_steps=0", f"generator.z_dim={z_dim}"],
                                            "train.entropy_weight", weight, "forward")
    plain, bonus = seen
    assert torch.equal(plain, bonus)
    t = trainers[1]
    torch.manual_seed(7)
    z = t.gen.draw_z(t.fakes.batch)                      # the loss's first draw
    real = bonus.sum(-1) > 0                             # straight-through one-hots; zeros after the end
    tokens = bonus.argmax(-1).masked_fill(~real, t.gen.pad)
    with torch.no_grad():
        entropy = torch.distributions.Categorical(logits=t.gen.logits(tokens, z)).entropy()
    expected = (entropy * real).sum(1).mean()
    assert float(expected) > 0.5
    assert float((losses[0] - losses[1]).detach()) == pytest.approx(weight * float(expected), rel=1e-5)


@pytest.mark.parametrize("num_rep", [1, 2])
def test_feature_matching_is_the_squared_distance_of_the_critics_mean_features(num_rep):
    """train.feature_matching: the generator loss rises by the weight times the squared distance
    between the critic's mean features (those its score is taken from) of the real batch and of the
    very fake batch it scores, differentiable in the fake batch; and nothing extra is drawn."""
    from seqgan_gumbel.training import gstep

    weight = 0.3
    base = TINY + ["train.mle_steps=0", "discriminator.dropout=0", "discriminator.minibatch_std=false",
                   f"discriminator.num_rep={num_rep}", "discriminator.emb_dim=8"]
    trainers, losses, calls = _paired_losses(base, "train.feature_matching", weight, "features")
    plain_fake, scored_fake, real, matched_fake = calls
    assert torch.equal(plain_fake, scored_fake) and torch.equal(scored_fake, matched_fake)
    assert real.dtype == torch.long and matched_fake.is_floating_point()
    t = trainers[1]
    with torch.no_grad():
        if num_rep == 1:                                   # the score is the head of these features
            assert torch.allclose(t.disc.head(t.disc.features(real)), t.disc(real), atol=1e-6)
        a, b = t.disc.features(real).double(), t.disc.features(scored_fake).double()
    d = t.cfg.discriminator
    assert a.shape == (real.shape[0], num_rep * d.num_filters * len(d.filter_widths))
    expected = torch.dist(a.mean(0), b.mean(0)) ** 2
    assert float(expected) > 1e-3
    assert float((losses[1] - losses[0]).detach()) == pytest.approx(weight * float(expected), rel=1e-4)
    fake = scored_fake.clone().requires_grad_(True)
    t.disc.requires_grad_(False)                           # as the trainer freezes it for the step
    gstep.feature_distance(t.disc, real, fake, t._autocast).backward()
    assert fake.grad.abs().sum() > 0
