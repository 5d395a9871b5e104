"""The contexts' ``tinget`` commands, one module a context (declared as its ``commands`` in
tinget/contexts), and what they share (``common``).

A module here is imported whenever ``tinget`` runs, so that click knows every command's name,
options and help: it imports only what every call loads anyway (click, asyncpg, msgspec, the
settings, ``common``), and each command imports the platform and the services it needs in its
body.
"""
