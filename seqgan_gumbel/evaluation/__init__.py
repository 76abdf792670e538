"""Judging finished runs: the quality-diversity sweep over sampling temperatures."""
