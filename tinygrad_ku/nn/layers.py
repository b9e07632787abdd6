"""Modules as torch.nn: activations, Identity, Flatten, Unflatten, Dropout, ModuleList,
ModuleDict, Embedding, LayerNorm, BatchNorm1d. Re-exported by `tg.nn`."""

__all__ = []
