"""Parameter initialisation as torch.nn.init (in place, under no_grad)."""
