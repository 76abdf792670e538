"""The command line: `seqgan-gumbel` parses its arguments here and runs one command."""
from seqgan_gumbel.cli.parser import main

__all__ = ["main"]
