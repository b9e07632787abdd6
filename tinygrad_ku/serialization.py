"""`tg.save` / `tg.load`: tensors, state dicts and nested containers of them, without pickle."""
