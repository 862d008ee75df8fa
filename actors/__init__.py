"""Dramatiq actors, one module per area, named `<area>.<verb>`.

Actor modules bind to the broker when imported, so a process calls
`actors.broker.configure_broker()` before importing `actors.registry`.
"""
