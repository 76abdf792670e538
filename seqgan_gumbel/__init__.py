"""seqgan_gumbel: GANs for sequences of discrete tokens through the Gumbel-softmax relaxation.

The Python API (see api.py) is loaded on first use, so importing the package does no work:

    import seqgan_gumbel as sg
    run = sg.train(out="runs/demo")          # or sg.load("runs/demo")
    run.sample(10, temperature=0.8)
"""

__version__ = "0.1.0"

from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(                  # not "bleu": a module
    __name__, api="train resume load Run score_bleu score_self_bleu", config__schema="Config",
    setup__config="load_config", errors="UserError", kinds="KINDS DataKind EvalOptions",
    evaluation__judge="Judge JudgeConfig fit_judge load_judge", evaluation__lm="LMRecipe")
