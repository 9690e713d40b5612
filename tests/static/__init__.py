"""Layer 2: static checks of every checked combination: each bakes, parses, lints clean (no Docker Engine)."""
