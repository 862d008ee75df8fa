"""A patient's record as FHIR R4 resources (`Patient/{id}/$everything`)."""
