"""seqgan_gumbel: GANs for sequences of discrete tokens through the Gumbel-softmax relaxation."""

__version__ = "0.1.0"
