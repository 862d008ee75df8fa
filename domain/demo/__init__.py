"""Demo data for development and demonstrations (`esante seed-demo`)."""
