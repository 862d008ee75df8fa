"""/api/v1/conversations: one-to-one conversations, their messages and read markers.

Everything written here is also pushed to the participants' sockets (api/realtime).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from pydantic import BaseModel, Field

from api.controllers.messaging_schemas import (
    ConversationOut,
    ConversationPage,
    MessageOut,
    MessagePage,
    ReadOut,
)
from api.controllers.providers import PageParam, PageSizeParam, actor_of, provide_event_context
from api.realtime import Realtime
from api.security import BEARER, requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.messaging.conversations import (
    conversation_for,
    list_conversations,
    open_conversation,
    participant_cards,
)
from domain.messaging.messages import MAX_PAGE, MAX_TEXT, list_messages, mark_read, send_message
from domain.messaging.views import conversation_view, message_view
from infra.resources import Resources


class ConversationIn(BaseModel):
    participant_id: str = Field(description="the other user: a doctor, or a patient in your care")


class MessageIn(BaseModel):
    text: str = Field(description=f"1 to {MAX_TEXT} characters (surrounding blanks trimmed)")


class ReadIn(BaseModel):
    message_id: str = Field(description="the newest message read; earlier ones count as read")


def provide_realtime(request: Request[Any, Any, Any]) -> Realtime:
    return request.app.state.realtime


class ConversationsController(Controller):
    path = "/api/v1/conversations"
    tags = ["messaging"]
    guards = [requires_role("patient", "doctor")]
    security = BEARER
    dependencies = {
        "context": Provide(provide_event_context, sync_to_thread=False),
        "realtime": Provide(provide_realtime, sync_to_thread=False),
    }

    @post(
        "/",
        summary="Open a conversation (201 new, 200 when it already exists)",
        responses={
            200: ResponseSpec(
                data_container=ConversationOut, description="the conversation already existed"
            )
        },
    )
    async def open(
        self,
        data: ConversationIn,
        current_user: Principal,
        resources: Resources,
        realtime: Realtime,
    ) -> Response[ConversationOut]:
        doc, created = await open_conversation(
            resources.db, actor_of(current_user), data.participant_id
        )
        if created:
            await realtime.conversation_opened(doc)
        people = await participant_cards(resources.db, set(doc["participant_ids"]))
        view: Any = conversation_view(doc, current_user.user_id, people)
        return Response(view, status_code=201 if created else 200)

    @get("/", summary="My conversations, most recent activity first, with unread counts")
    async def list_mine(
        self,
        current_user: Principal,
        resources: Resources,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> ConversationPage:
        docs, total, people = await list_conversations(
            resources.db, actor_of(current_user), page, page_size
        )
        items: Any = [conversation_view(d, current_user.user_id, people) for d in docs]
        return {
            "items": items,
            "total": total,
            "page": page,
            "page_size": page_size,
        }

    @get("/{conversation_id:str}", summary="One of my conversations")
    async def get_one(
        self, conversation_id: str, current_user: Principal, resources: Resources
    ) -> ConversationOut:
        doc = await conversation_for(resources.db, actor_of(current_user), conversation_id)
        people = await participant_cards(resources.db, set(doc["participant_ids"]))
        view: Any = conversation_view(doc, current_user.user_id, people)
        return view

    @get("/{conversation_id:str}/messages", summary="Messages, newest first, older than `before`")
    async def messages(
        self,
        conversation_id: str,
        current_user: Principal,
        resources: Resources,
        before: Annotated[
            str | None, Parameter(description="a message id: return only older messages")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="page size")] = 50,
    ) -> MessagePage:
        docs, next_before = await list_messages(
            resources.db, actor_of(current_user), conversation_id, before, limit
        )
        items: Any = [message_view(d) for d in docs]
        return {
            "items": items,
            "limit": limit,
            # Pass as `before` to get the next (older) page; null on the oldest page.
            "next_before": next_before,
        }

    @post("/{conversation_id:str}/messages", status_code=201, summary="Send a message")
    async def send(
        self,
        conversation_id: str,
        data: MessageIn,
        current_user: Principal,
        resources: Resources,
        realtime: Realtime,
        context: EventContext,
    ) -> MessageOut:
        message, _ = await send_message(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            conversation_id,
            data.text,
            context,
        )
        await realtime.message_new(message)
        view: Any = message_view(message)
        return view

    @post("/{conversation_id:str}/read", status_code=200, summary="Mark messages read")
    async def read(
        self,
        conversation_id: str,
        data: ReadIn,
        current_user: Principal,
        resources: Resources,
        realtime: Realtime,
    ) -> ReadOut:
        state = await mark_read(
            resources.mongo, resources.db, actor_of(current_user), conversation_id, data.message_id
        )
        await realtime.message_read(state)
        out: Any = state
        return out
