"""GPU paths (skipped without a CUDA GPU; scripts/gpu/check.sh runs them on a lent machine)."""
import json

import pytest
import torch

from seqgan_gumbel.setup.config import load_config
from seqgan_gumbel.models.generator import Generator
from seqgan_gumbel.training.trainer import Trainer
from seqgan_gumbel.training.start import train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

TINY = ["data.num_train=300", "data.num_test=200", "train.batch_size=16", "train.mle_steps=20",
        "train.adv_steps=6", "train.log_every=3", "train.eval_samples=16", "train.eval_test=200",
        "train.num_samples=10", "discriminator.num_filters=8", "train.device=cuda", "log.report=false"]


@pytest.mark.parametrize("extra", [[], ["train.precision=bf16"], ["train.cuda_graphs=true"],
                                   ["train.cuda_graphs=true", "train.precision=bf16",
                                    "discriminator.input=relaxed"]])
def test_training_on_the_gpu(tmp_path, extra):
    out = tmp_path / "g"
    summary = train(load_config(None, TINY + extra), out, progress=False)
    assert summary["device"].startswith("cuda")
    rows = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    adv = [r for r in rows if r["phase"] == "adv"]
    assert adv and all(torch.isfinite(torch.tensor([r["d_loss"], r["g_loss"]])).all() for r in adv)


@pytest.mark.parametrize("relaxed", [False, True])
def test_cuda_graph_sampler_replays_fresh_noise_and_current_weights(relaxed):
    from seqgan_gumbel.models.graphs import GraphedSampler

    torch.manual_seed(0)
    gen = Generator(9, 6, 10, 8, bos=1, eos=2, pad=0, banned=(0, 1, 3)).cuda()
    sampler = GraphedSampler(gen, 64, "hard", "relaxed" if relaxed else "one-hot", relaxed, None, bf16=False)
    a = sampler(0.5)
    first = (a.vectors.clone() if relaxed else a.tokens.clone())
    b = sampler(0.5)
    second = b.vectors if relaxed else b.tokens
    assert not torch.equal(first, second)                      # fresh noise at every replay
    if relaxed:
        real = b.mask.bool()
        assert torch.allclose(b.vectors[real].sum(-1), torch.ones(int(real.sum()), device="cuda"), atol=1e-5)
    with torch.no_grad():
        gen.out.bias[5] += 50.0                                # the weights are read in place
    c = sampler(0.5)
    assert (c.tokens[:, 0] == 5).float().mean() > 0.99


def test_cuda_graphs_are_captured_in_training(tmp_path):
    from seqgan_gumbel.models.graphs import GraphedSampler

    trainer = Trainer(load_config(None, TINY + ["train.cuda_graphs=true"]), tmp_path / "t", progress=False)
    trainer.adversarial_step(0.5)
    assert isinstance(trainer.fakes.graphed, GraphedSampler)


def test_lean_convolutions_match_the_plain_ones_on_the_gpu():
    from seqgan_gumbel.models.discriminator import conv_relu_max

    torch.manual_seed(0)
    convs = torch.nn.ModuleList(torch.nn.Conv1d(1, f, w) for w, f in ((2, 4), (5, 3))).cuda()
    x = torch.randn(64, 1, 37, device="cuda", requires_grad=True)
    plain = torch.cat([torch.relu(c(x)).amax(2) for c in convs], 1)
    lean = conv_relu_max(convs, x)
    assert torch.allclose(lean, plain, atol=1e-5)
    g1 = torch.autograd.grad(lean.pow(2).sum(), [x, convs[1].weight])
    g2 = torch.autograd.grad(plain.pow(2).sum(), [x, convs[1].weight])
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(g1, g2))


def test_oracle_data_is_the_same_on_every_device():
    """A benchmark run in pieces on different machines must train on the same sequences: they are
    drawn on the CPU whatever the device, and the oracle itself moves to the device."""
    from seqgan_gumbel.kinds.oracle import oracle_data
    from seqgan_gumbel.data.vocab import N_SPECIALS

    dc = load_config(None, ["data.kind=oracle", "data.num_train=200", "data.num_test=100"]).data
    cpu, gpu = oracle_data(dc, "cpu"), oracle_data(dc, "cuda")
    assert torch.equal(cpu.ids, gpu.ids) and torch.equal(cpu.test_ids, gpu.test_ids)
    assert gpu.oracle.device.type == "cuda"
    tokens = cpu.test_ids[:20] - N_SPECIALS
    assert gpu.oracle.nll(tokens) == pytest.approx(cpu.oracle.nll(tokens), abs=1e-4)
