"""Judging finished runs: the quality-diversity sweep over sampling temperatures."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(__name__, sweep="sweep_run")
