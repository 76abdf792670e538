"""Files: paths a command reads or writes, sealed atomic checkpoints, the metrics log. The bottom layer beside errors."""
