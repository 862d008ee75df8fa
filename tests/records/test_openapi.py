"""The OpenAPI document describes the medical records routes and their responses."""

from __future__ import annotations

from typing import Any


async def test_records_routes_are_documented_with_their_shapes(client: Any) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    for path, method in (
        ("/api/v1/consultations", "post"),
        ("/api/v1/consultations/{consultation_id}", "get"),
        ("/api/v1/consultations/{consultation_id}", "patch"),
        ("/api/v1/consultations/{consultation_id}/notes", "post"),
        ("/api/v1/consultations/{consultation_id}/versions", "get"),
        ("/api/v1/prescriptions", "post"),
        ("/api/v1/prescriptions", "get"),
        ("/api/v1/prescriptions/{prescription_id}", "patch"),
        ("/api/v1/prescriptions/{prescription_id}/lock", "post"),
        ("/api/v1/documents", "post"),
        ("/api/v1/documents/{document_id}/download", "get"),
        ("/api/v1/documents/{document_id}", "delete"),
        ("/api/v1/patients/{patient_id}/timeline", "get"),
        ("/api/v1/patients/me/access-log", "get"),
    ):
        assert method in paths[path], (path, method)
    upload = paths["/api/v1/documents"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    schemas = spec["components"]["schemas"]
    assert "editable_until" in schemas["PrescriptionOut"]["properties"]
    assert {"version", "changed_by", "changed_at", "diagnosis"} <= set(
        schemas["ConsultationVersionOut"]["properties"]
    )
    assert {"url", "expires_at"} <= set(schemas["DownloadOut"]["properties"])
