"""Adapters to the outside world: clients for MongoDB, Redis, Kafka, S3, SMTP and OneSignal.

Each client is built by a factory called from a process's start-up, never at import time.
"""
