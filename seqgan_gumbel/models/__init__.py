"""The networks and their mathematics: Gumbel-softmax, generator, critics, losses, tau schedules, CUDA graphs."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__, generator="Generator", drawing="draw_ids generator_nll", decoding="Decoder truncate",
    losses="LOSSES", critics="CRITICS", schedules="SCHEDULES")
