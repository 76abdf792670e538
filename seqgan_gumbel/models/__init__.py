"""The networks and their mathematics: Gumbel-softmax, generator, critics, losses, tau schedules, CUDA graphs."""
