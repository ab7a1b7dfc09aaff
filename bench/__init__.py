"""Benchmarks of the CRM at a million contacts: ``python -m bench fill`` then ``python -m bench measure``.

See docs/performance.md for the targets, the commands and the figures.
"""
