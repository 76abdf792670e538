"""Training a run: start and resume, the trainer, its checkpoints, run folder, log, stopping, torchrun."""
