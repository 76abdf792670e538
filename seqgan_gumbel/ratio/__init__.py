"""Density-ratio models of a generator and the samplers that use them (guide, SIR, rejection)."""
