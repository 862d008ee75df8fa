"""Settings, logging, the `esante` command and the embedded development stack."""
