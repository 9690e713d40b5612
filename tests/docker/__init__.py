"""Layer 4: real Docker: images, stacks, the dev container, Swarm (marked docker by its conftest)."""
