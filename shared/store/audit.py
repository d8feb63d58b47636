"""Walking every stream's hash chain in the database and naming the first broken link of each.

The database refuses UPDATE and DELETE of events, but a superuser can switch that off. The chain
(`hash = sha256(predecessor's hash || own content)`, computed by a trigger on insert, see
migration 0002) makes such an edit visible: recomputed here, an edited row no longer matches its
hash, a removed row leaves a gap, a re-hashed row no longer matches its successor's `prev_hash`.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

_CHECK = """
with chained as (
    select e.position, e.event_id, e.stream_id, e.version, e.prev_hash, e.hash,
           lag(e.version) over w as previous_version,
           lag(e.hash) over w as previous_hash,
           sha256(coalesce(lag(e.hash) over w, dvk_genesis_hash()) || dvk_event_content(e)) as recomputed
    from events e
    window w as (partition by e.stream_id order by e.version)
), problems as (
    select c.*,
           case
               when c.version <> coalesce(c.previous_version, 0) + 1 then 'missing_versions'
               when c.prev_hash is distinct from c.previous_hash then 'prev_hash_differs'
               when c.hash is distinct from c.recomputed then 'content_differs'
           end as problem
    from chained c
)
select distinct on (stream_id) stream_id, version, position, event_id, problem,
       coalesce(previous_version, 0) as previous_version
from problems where problem is not null
order by stream_id, version
"""

_EXPLAINED = {
    "missing_versions": "versions {start}–{end} are missing before this event (deleted?)",
    "prev_hash_differs": "its prev_hash is not its predecessor's hash (predecessor edited and re-hashed?)",
    "content_differs": "its content no longer matches its hash (edited after it was written?)",
}


@dataclass(frozen=True)
class BrokenLink:
    stream_id: str
    version: int
    position: int
    event_id: UUID
    problem: str
    detail: str


async def verify_chain(conn: asyncpg.Connection) -> list[BrokenLink]:
    """The first broken link of every broken stream; an empty list means every chain holds."""
    rows = await conn.fetch(_CHECK)
    return [BrokenLink(r["stream_id"], r["version"], r["position"], r["event_id"], r["problem"],
                       _EXPLAINED[r["problem"]].format(start=r["previous_version"] + 1, end=r["version"] - 1))
            for r in rows]
