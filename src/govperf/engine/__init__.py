"""The numeric core: pure functions over NumPy arrays. Never imports Django."""
