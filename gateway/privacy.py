"""A person's rights over their data: erasure (administrators) and access (an export)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import Response

from gateway.auth import platform_of
from gateway.problems import problems
from services.identity.access import Caller
from services.identity.service import Erasure


class PrivacyController(Controller):
    path = "/api/v1"
    tags = ["privacy"]

    @post(
        "/people/{person_id:uuid}/erasure",
        operation_id="erasePerson",
        summary="Erase a person",
        responses={
            **problems(),
            200: ResponseSpec(Erasure, description="The person was erased already"),
        },
        status_code=202,
    )
    async def erase(
        self, state: State, caller: NamedDependency[Caller], person_id: FromPath[UUID]
    ) -> Response[Erasure]:
        """Erase a person (administrators): their e-mail address and name are removed, their
        tokens revoked and their data key destroyed, so what they wrote (titles, texts,
        places) reads as erased everywhere, while the events, their ids, times and counts
        stay and the audit chain still verifies. 202 when done now (read models follow within
        moments); 200 when the person was erased already."""
        erasure = await platform_of(state).identity.erase(caller, person_id)
        return Response(erasure, status_code=202 if erasure.erased_now else 200)

    @get(
        "/people/{person_id:uuid}/data",
        operation_id="getPersonalData",
        summary="Export a person's data",
        responses=problems(),
    )
    async def personal_data(
        self, state: State, caller: NamedDependency[Caller], person_id: FromPath[UUID]
    ) -> dict[str, Any]:
        """Everything held about one person, as JSON (administrators, or the person): record,
        role, posts and comments with their texts, supports, signatures, flags, notifications,
        preferences, push subscriptions counted. Ballots are secret and linked to no one."""
        return await platform_of(state).identity.personal_data(caller, person_id)

    @get(
        "/me/data", operation_id="getMyData", summary="Export one's own data", responses=problems()
    )
    async def my_data(self, state: State, caller: NamedDependency[Caller]) -> dict[str, Any]:
        """Everything held about the caller, as JSON (see getPersonalData)."""
        return await platform_of(state).identity.personal_data(caller, caller.person_id)
