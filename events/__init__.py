"""The event backbone: catalogue, codec, store and relay.

Every action in Tinget is an event. This package defines how an event is named and versioned
(the catalogue), how it becomes bytes (the msgspec codec), where it is kept (the PostgreSQL store,
which is also the outbox) and how it reaches NATS JetStream (the relay).
"""
