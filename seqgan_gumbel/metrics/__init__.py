"""The figures a run is judged by (BLEU, text and grammar scores, likelihoods) and their pictures."""
