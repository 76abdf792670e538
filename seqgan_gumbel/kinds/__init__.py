"""The data kinds (`data.kind`): each one object behind the protocol of `base.DataKind`.

    from seqgan_gumbel.kinds import KINDS
    KINDS.register(MyKind)        # MyKind.name becomes a value of data.kind
"""
from .base import Axis, DataKind, EvalOptions, Registry, held_out_nll
from .corpus import CorpusKind
from .grammar import GrammarKind
from .oracle import OracleKind

KINDS = Registry({k.name: k for k in (GrammarKind, CorpusKind, OracleKind)})

__all__ = ["KINDS", "Axis", "CorpusKind", "DataKind", "EvalOptions", "GrammarKind", "OracleKind",
           "Registry", "held_out_nll"]
