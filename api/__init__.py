"""The HTTP and Socket.IO entry layer: thin handlers over the domain services."""
