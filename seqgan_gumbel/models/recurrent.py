"""A layer-normalised LSTM (Ba et al. 2016) as Sonnet's LSTM builds it with use_layer_norm, the
recurrent layer of ScratchGAN's critic: one layer normalisation over the four gates'
pre-activations [x, h] W together, then the bias. It takes and returns what a one-layer,
batch_first nn.LSTM does, so a critic can use either."""
from __future__ import annotations

import torch
from torch import nn


class LayerNormLSTM(nn.Module):
    """gates = LayerNorm(x_t W_x + h_{t-1} W_h) + b, split as input, cell, forget, output gates;
    c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g), h_t = sigmoid(o) tanh(c_t). The forget gate's
    bias starts at 1 (Sonnet's forget_bias, trainable here)."""

    def __init__(self, input_dim: int, hidden_dim: int):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.input = nn.Linear(input_dim, 4 * hidden_dim, bias=False)
        self.hidden = nn.Linear(hidden_dim, 4 * hidden_dim, bias=False)
        self.norm = nn.LayerNorm(4 * hidden_dim, elementwise_affine=True)
        self.bias = nn.Parameter(torch.zeros(4 * hidden_dim))
        with torch.no_grad():
            self.bias[2 * hidden_dim:3 * hidden_dim] = 1.0

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """x [B, T, E] -> (every step's h [B, T, H], (the last h [1, B, H], the last c [1, B, H]))."""
        b, t_max, _ = x.shape
        projected = self.input(x)                                   # every step's input part at once
        h = projected.new_zeros(b, self.hidden_dim)
        c = projected.new_zeros(b, self.hidden_dim)
        out = []
        for t in range(t_max):
            gates = self.norm(projected[:, t] + self.hidden(h)) + self.bias
            i, g, f, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            out.append(h)
        return torch.stack(out, dim=1), (h.unsqueeze(0), c.unsqueeze(0))
