"""Who may see a patient's records: the patient, the doctors who treat them, sometimes an admin."""
