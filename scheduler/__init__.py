"""The APScheduler process: jobs enqueue actors; a Redis lock runs each once across replicas."""
