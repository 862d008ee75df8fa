"""Medical records. The prescription lock lives here so every path shares one rule."""
