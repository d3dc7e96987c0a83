"""Plumbing that serves the rules but is not a rule.

Caches and their version tokens (`page_cache`), batched counters
(`view_counts`), transports (`smtp`), health checks (`health`) and the like live
here; what the forum allows, for whom and why lives in `forum.services`. Modules
here may use the models, the extensions and the config, but import nothing from
`forum.services`, `forum.web` or `forum.api` (tests/test_architecture.py): a
service calls infrastructure, never the other way round.
"""
