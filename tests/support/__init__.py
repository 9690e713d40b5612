"""Helpers that the template's tests and benchmarks import (conftest.py keeps only fixtures and hooks).

bake: the template's path and baking with answers; combinations: the answer sets tested;
process: running commands, waiting, prerequisites; web: HTTP and log checks;
docker: images, containers and compose stacks; postgres: a throwaway native PostgreSQL server.
"""
