"""Patient and doctor profiles, and profile photos."""
