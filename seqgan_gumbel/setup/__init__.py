"""A run put together: its validated config, its models built, a finished run loaded back and sampled as text."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(
    __name__, config="load_config apply_overrides",
    runs="load_run LoadedRun resolve_device", prompts="sample_lines prompt_ids")
