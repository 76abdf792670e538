"""Density-ratio models of a generator and the samplers that use them (guide, SIR, rejection)."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__, fit="RatioConfig fit_ratio fit_and_save",
    model="PrefixRatio ExactRatio GrammarRatio load_ratio", samplers="make_sampler Plain Guided SIR Rejection")
