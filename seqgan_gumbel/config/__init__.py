"""The run configuration: its dataclasses, defaults, TOML and --set parsing (validated in seqgan_gumbel.setup)."""
