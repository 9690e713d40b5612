"""Layer 1: the answers and the hooks, and the template's own prose and code (no Docker)."""
