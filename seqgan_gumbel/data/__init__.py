"""Sequences and where they come from: vocabulary, corpora, grammars, the SeqGAN oracle, downloads."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__, grammar="Grammar load_grammar BUILTIN_GRAMMARS",
    vocab="Vocab N_SPECIALS", oracle="Oracle load_oracle random_oracle")
