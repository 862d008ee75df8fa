"""The domain: one package per area. Knows nothing of Litestar, Dramatiq or Faust."""
