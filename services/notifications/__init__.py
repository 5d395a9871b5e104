"""Notifications: what Tinget tells people, by e-mail, web push and in the app.

Templates are events (one aggregate per kind and language, edited by administrators); the
notifier policy turns domain events into in-app items and deliveries, each keyed by a
deterministic id so a rebuild or a redelivery inserts nothing new; the sender works through the
deliveries with retries and a daily digest.
"""
