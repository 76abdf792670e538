"""Training a run: start and resume, the trainer, its checkpoints, run folder, log, stopping, torchrun."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__, start="train start_run resume resumed_trainer continue_run", distributed="set_threads",
    trainer="Trainer", rundir="prepare_run_dir", stopping="Interrupted NonFiniteLoss")
