"""A run put together: its validated config, its models built, a finished run loaded back."""
