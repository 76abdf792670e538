"""Distances between two sets of feature vectors: the Fréchet distance and MAUVE.

Both compare the judge LM's features (evaluation/lm.last_states) of real and generated text.
Published MAUVE (Pillutla et al. 2021) featurizes with GPT-2; these numbers use this package's
judge LM, so they compare runs judged by the same judge only.
"""
from __future__ import annotations

import numpy as np

from seqgan_gumbel.errors import UserError


def _psd_sqrt(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(c)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to the rows of a and b (Heusel et al. 2017):
    |mu_a - mu_b|^2 + tr(C_a) + tr(C_b) - 2 tr((C_a^1/2 C_b C_a^1/2)^1/2), in float64; the
    matrix square roots are taken by symmetric eigendecomposition, exact for these PSD matrices."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("the Fréchet distance needs at least two vectors on each side")
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = _psd_sqrt(ca)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root @ cb @ root), 0, None)).sum()
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca) + np.trace(cb) - 2 * cross)


def mauve_score(real: np.ndarray, generated: np.ndarray, *, buckets: int = 0, seed: int = 0,
                redo: int = 1, iterations: int = 100) -> float:
    """MAUVE of two feature sets with the mauve-text package (PCA to 90% of the variance, k-means
    into `buckets` clusters, 0 = n/10 as published; the area under the divergence frontier, scaling
    5). redo and iterations bound the k-means (the package's defaults are 5 and 500)."""
    try:
        from mauve import compute_mauve
    except ImportError:
        raise UserError("MAUVE needs the mauve-text package: pip install 'seqgan_gumbel[judges]' "
                        "(mauve-text, faiss-cpu, scikit-learn), or leave mauve out of --judges") from None
    out = compute_mauve(p_features=np.asarray(real, dtype=np.float32), q_features=np.asarray(generated, dtype=np.float32),
                        num_buckets=buckets or "auto", kmeans_num_redo=redo, kmeans_max_iter=iterations,
                        seed=seed, verbose=False, device_id=-1)
    return float(out.mauve)
