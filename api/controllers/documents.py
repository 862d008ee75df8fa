"""/api/v1/documents: upload (scanned before use), metadata, signed downloads, soft delete."""

from __future__ import annotations

from typing import Annotated

from litestar import delete, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body

from actors.dispatch import DeferredJobQueue
from api.controllers.controller_bases import SignedInController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.controllers.records_responses import DocumentOut, DownloadOut, Page
from api.controllers.records_schemas import DocumentForm
from api.security import requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.records import documents
from domain.records.document_storage import DocumentStorage
from infra.resources import Resources

# The app refuses bodies over 1 MB; this route takes a 20 MB file plus the form around it.
# Bigger bodies are cut off by Litestar (413); the file's own limit is checked exactly below.
UPLOAD_BODY_LIMIT = documents.MAX_DOCUMENT_BYTES + 256 * 1024


def provide_document_storage(resources: Resources) -> DocumentStorage:
    return DocumentStorage(resources.s3, resources.settings.s3.bucket)


class DocumentsController(SignedInController):
    path = "/api/v1/documents"
    tags = ["medical records"]
    dependencies = {
        **SignedInController.dependencies,
        "storage": Provide(provide_document_storage, sync_to_thread=False),
    }

    @post(
        "/",
        summary="Upload a PDF, JPEG or PNG (at most 20 MB) to a patient's record",
        request_max_body_size=UPLOAD_BODY_LIMIT,
        guards=[requires_role("patient", "doctor")],
    )
    async def upload(
        self,
        data: Annotated[DocumentForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        current_user: Principal,
        resources: Resources,
        storage: DocumentStorage,
        jobs: DeferredJobQueue,
        context: EventContext,
    ) -> DocumentOut:
        content = await data.file.read(documents.MAX_DOCUMENT_BYTES + 1)
        fields = {
            "patient_id": data.patient_id,
            "title": data.title,
            "category": data.category,
            "consultation_id": data.consultation_id or None,
        }
        view = await documents.upload_document(
            resources.mongo,
            resources.db,
            storage,
            jobs,
            actor_of(current_user),
            fields,
            content,
            context,
        )
        return DocumentOut.model_validate(view)

    @get("/", summary="A patient's documents, newest first (care team, the patient)")
    async def list_for_patient(
        self,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        patient_id: str | None = None,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[DocumentOut]:
        view = await documents.list_documents(
            resources.db,
            actor_of(current_user),
            patient_id,
            page=page,
            page_size=page_size,
            context=context,
        )
        return Page[DocumentOut].model_validate(view)

    @get("/{document_id:str}", summary="A document's metadata (care team, the patient)")
    async def detail(
        self,
        document_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> DocumentOut:
        view = await documents.get_document(
            resources.db, actor_of(current_user), document_id, context
        )
        return DocumentOut.model_validate(view)

    @get(
        "/{document_id:str}/download",
        summary="A signed download URL, valid at most 15 minutes (once the scan passed)",
    )
    async def download(
        self,
        document_id: str,
        current_user: Principal,
        resources: Resources,
        storage: DocumentStorage,
        context: EventContext,
    ) -> DownloadOut:
        view = await documents.download_document(
            resources.db,
            storage,
            actor_of(current_user),
            document_id,
            url_seconds=resources.settings.s3.url_ttl_seconds,
            context=context,
        )
        return DownloadOut.model_validate(view)

    @delete(
        "/{document_id:str}",
        summary="Delete a document you uploaded (the record is kept, the file is removed)",
    )
    async def remove(
        self,
        document_id: str,
        current_user: Principal,
        resources: Resources,
        jobs: DeferredJobQueue,
        context: EventContext,
    ) -> None:
        await documents.delete_document(
            resources.mongo, resources.db, jobs, actor_of(current_user), document_id, context
        )
