"""Conversations between two users, their messages, read markers and unread counts, and
who is connected to the real-time channel (presence)."""
