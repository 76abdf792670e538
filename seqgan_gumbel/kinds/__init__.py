"""The data kinds (`data.kind`): each one object behind the protocol of `base.DataKind`.

    from seqgan_gumbel.kinds import KINDS
    KINDS.register(MyKind)        # MyKind.name becomes a value of data.kind"""
from seqgan_gumbel.kinds.base import Axis, DataKind, EvalOptions, Registry, held_out_nll
from seqgan_gumbel.kinds.corpus import CorpusKind
from seqgan_gumbel.kinds.grammar import GrammarKind
from seqgan_gumbel.kinds.oracle import OracleKind, oracle_data

KINDS = Registry({k.name: k for k in (GrammarKind, CorpusKind, OracleKind)})

__all__ = ["KINDS", "Axis", "CorpusKind", "DataKind", "EvalOptions", "GrammarKind", "OracleKind",
           "Registry", "held_out_nll", "oracle_data"]
