"""The run configuration: its dataclasses, defaults, TOML and --set parsing (validated in seqgan_gumbel.setup)."""
from seqgan_gumbel.surface import lazy_surface

__getattr__, __all__ = lazy_surface(__name__, schema="Config from_dict read_config")
