"""Sequences and where they come from: vocabulary, corpora, grammars, the SeqGAN oracle, downloads."""
