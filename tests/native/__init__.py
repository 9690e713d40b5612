"""Layer 3: real runs without Docker: the generated project's own suite natively, cruft updates."""
