"""The reliability suite: Tinget's parts as separate processes on a private PostgreSQL and NATS,
under steady HTTP load, while NATS, the relay and the projection worker are killed,
PostgreSQL is restarted and the workers' database connections are cut; then proof that no
accepted write was lost and every read model converged. ``python -m tests.reliability --full``
runs the longer form and prints its figures.
"""
