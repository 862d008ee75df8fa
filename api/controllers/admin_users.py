"""/api/v1/admin/users: browse accounts, activate and deactivate them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get, patch
from litestar.params import Parameter
from pydantic import BaseModel, ConfigDict

from api.controllers.auth_schemas import UserOut
from api.controllers.controller_bases import AdminController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.openapi_problems import problems
from domain.accounts import AccountsEnv, Principal
from domain.accounts.administration import set_active
from domain.accounts.directory import UserFilter, list_users
from domain.accounts.roles import Role
from domain.events import EventContext
from infra.resources import Resources


class AdminUserOut(UserOut):
    active: bool


class UserPage(BaseModel):
    items: list[AdminUserOut]
    total: int
    page: int
    page_size: int


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


def _out(user: Any) -> AdminUserOut:
    return AdminUserOut(**UserOut.of(user).model_dump(), active=user.active)


class AdminUsersController(AdminController):
    path = "/api/v1/admin/users"

    @get("/", summary="Accounts, newest first, filtered by role, state or name/email")
    async def list_users(
        self,
        resources: Resources,
        role: Role | None = None,
        active: bool | None = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        page: int = PageParam,
        page_size: int = PageSizeParam,
    ) -> UserPage:
        users, total = await list_users(
            resources.db, UserFilter(role=role, active=active, q=q), page, page_size
        )
        return UserPage(items=[_out(u) for u in users], total=total, page=page,
                        page_size=page_size)  # fmt: skip

    @patch(
        "/{user_id:str}",
        summary="Activate or deactivate an account (ends its sessions)",
        responses=problems(_409="deactivating one's own account or the last active admin"),
    )
    async def update_user(
        self,
        user_id: str,
        data: UserPatch,
        resources: Resources,
        current_user: Principal,
        context: EventContext,
    ) -> AdminUserOut:
        user = await set_active(
            AccountsEnv.from_resources(resources),
            user_id,
            data.active,
            by=actor_of(current_user),
            context=context,
        )
        return _out(user)
