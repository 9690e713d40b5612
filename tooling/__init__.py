"""What the template's tests, benchmarks and Makefile share (the tests' conftest.py files keep only
fixtures and hooks). Each fact is defined in one module here, and imported from it:

paths: where the template is; combinations: the answers tested; bake: baking with answers;
answers: where the answers land in a baked project; process: commands, waiting, prerequisites;
web: HTTP and log checks; docker: images, containers and compose stacks; postgres: a throwaway native
PostgreSQL server; locks: the generated project's locks (`make lock`: python -m tooling.locks);
template_repo: the template as a git repository, and cruft; node_tools: the Node tools in node/;
grafana, openapi, readme, workflows, watch, browser, slow_clients: what one concern's tests need.
"""
