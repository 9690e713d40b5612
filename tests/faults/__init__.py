"""Layer 5: faults on the production stack (marked docker by its conftest)."""
