"""Judging finished runs: the quality-diversity sweep over sampling temperatures and decoders, and
the judges trained here (LM score, reverse-LM score, MAUVE and the Fréchet distance)."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__, sweep="sweep_run decoders", judge="Judge JudgeConfig fit_judge find_judge load_judge cache_root",
    lm="LMRecipe", distances="frechet_distance mauve_score")
