"""seqgan_gumbel: GANs for sequences of discrete tokens through the Gumbel-softmax relaxation.

The Python API (see api.py) is loaded on first use, so importing the package does no work:

    import seqgan_gumbel as sg
    run = sg.train(out="runs/demo")          # or sg.load("runs/demo")
    run.sample(10, temperature=0.8)
"""

__version__ = "0.1.0"

_API = {"train", "resume", "load", "Run", "score_bleu", "score_self_bleu"}   # not "bleu": a module
_ELSEWHERE = {"Config": "config.schema", "load_config": "setup.config", "UserError": "errors", "KINDS": "kinds",
              "DataKind": "kinds", "EvalOptions": "kinds"}
__all__ = sorted(_API | set(_ELSEWHERE))


def __getattr__(name: str):
    import importlib

    if name in _API:
        return getattr(importlib.import_module(".api", __name__), name)
    if name in _ELSEWHERE:
        return getattr(importlib.import_module("." + _ELSEWHERE[name], __name__), name)
    raise AttributeError(f"module 'seqgan_gumbel' has no attribute {name!r}")
