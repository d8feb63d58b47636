"""The peer: what a Python team would otherwise build — the `eventsourcing` library (9.5, PostgreSQL)
behind a minimal FastAPI app, served by the same uvicorn (uvloop, httptools) as the platform.

A model is an aggregate whose creation is one event; `POST /models` creates and saves it and answers
201 with its id. No authentication, no scope check, no outbox, no projection: the peer does less per
request than the platform, which is the point of the comparison. Configured from the environment
(`PERSISTENCE_MODULE=eventsourcing.postgres` and its `POSTGRES_*` settings); needs the optional
`bench` extra.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from fastapi import FastAPI
from pydantic import BaseModel


class Model(Aggregate):
    @event("Registered")
    def __init__(self, title: str, owner_org_unit_id: str, recipient_kind: str, field: str, year: int) -> None:
        self.title, self.owner_org_unit_id = title, owner_org_unit_id
        self.recipient_kind, self.field, self.year = recipient_kind, field, year


class Models(Application[UUID]):
    def register(self, **facts: Any) -> UUID:
        model = Model(**facts)
        self.save(model)
        model_id: UUID = model.id
        return model_id


class RegisterModel(BaseModel):
    title: str
    owner_org_unit_id: str
    recipient_kind: str
    field: str
    year: int


app = FastAPI()
models = Models()


@app.post("/models", status_code=201)
def register(body: RegisterModel) -> dict[str, str]:
    """Sync, as the library is: FastAPI runs it in its thread pool."""
    return {"id": str(models.register(**body.model_dump()))}


@app.get("/models/{model_id}")
def read(model_id: UUID) -> dict[str, Any]:
    model: Model = models.repository.get(model_id)
    return {"id": str(model.id), "title": model.title}
