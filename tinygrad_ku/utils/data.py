"""`tg.utils.data`: TensorDataset and DataLoader, as torch.utils.data."""
