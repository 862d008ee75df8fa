"""Notifications: who hears about which event, on which channel, and delivery state."""
