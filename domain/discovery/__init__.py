"""Finding doctors: by specialty, name, city, distance and availability."""
