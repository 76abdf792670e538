"""The figures a run is judged by (BLEU, text and grammar scores, likelihoods) and their pictures."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__, bleu="sentence_bleu self_bleu corpus_bleu",
    text="text_scores read_text_lines small_sample_bleu", grammar="grammar_scores",
    plots="sweep_plot curves_and_points run_report")
