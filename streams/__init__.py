"""Faust stream processors (one app, its own process): audit, notifications, locks."""
