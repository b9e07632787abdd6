"""Array-level op definitions: one `Function` subclass per op, forward and vjp side by side."""
