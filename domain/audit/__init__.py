"""The audit trail: an append-only, HMAC-chained log of every event (FHIR AuditEvent shape)."""
