"""Files: paths a command reads or writes, sealed atomic checkpoints, the metrics log. The bottom layer beside errors."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__,
    checkpoint="CHECKPOINT_NAME PREVIOUS_NAME atomic_write_bytes load_checkpoint save_checkpoint sealed_digest",
    jsonl="read_metrics")
