-- Server-side sessions: every copy of the web reads the same rows, and a restart keeps people signed in.
-- Only the hash of the session id is stored: a leaked table does not hand out live cookies.
create table web_sessions (
    id_hash     bytea primary key,
    token       text not null,
    claims      jsonb not null,
    csrf_secret text not null,
    language    text,
    expires_at  timestamptz not null,
    created_at  timestamptz not null default now()
);
create index web_sessions_expires_at on web_sessions (expires_at);
