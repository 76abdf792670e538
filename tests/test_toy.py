import torch

from seqgan_gumbel.cli.parser import main
from seqgan_gumbel.training.toy import ToyConfig, total_variation, train_toy


def test_toy_learns_the_categorical_distribution():
    cfg = ToyConfig(seed=0)
    history = train_toy(cfg)
    target = torch.tensor(cfg.target)
    # Seeded. It starts uniform (TV 0.5 from the target) and must end within 0.05.
    assert abs(total_variation(torch.full((5,), 0.2), target) - 0.5) < 1e-6
    assert total_variation(history[-1], target) <= 0.05, history[-1]
    assert history[-1][:2].sum() < 0.02  # the impossible values are left out


def test_toy_command_prints_and_writes_heatmap(tmp_path, capsys):
    png = tmp_path / "heat.png"
    assert main(["toy", "--epochs", "3", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    assert out.count("epoch") == 3 and "TV =" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
