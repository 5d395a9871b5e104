"""Benchmarks of Tinget's event store, relay and projection runtime.

Run one with ``python -m bench NAME`` (``append``, ``relay``, ``projection`` or ``vote``). Each
bench makes its own PostgreSQL database (and, for the relay and vote, its own JetStream stream),
prints its figures for people, and prints all of them as one JSON object on the last line of
its output.
"""
