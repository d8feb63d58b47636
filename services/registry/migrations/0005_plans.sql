-- Plans (kế hoạch) and what units submitted against their deadlines: the projection registry.plans.
create table plans (
    id             uuid primary key,
    org_unit_id    uuid not null,
    org_path       text not null,
    org_name       text not null,
    number         text,
    title          text not null,
    period_from    integer not null,
    period_to      integer not null,
    issued_on      date not null,
    parent_plan_id uuid,
    document       jsonb not null,
    recorded_at    timestamptz not null,
    recorded_by    text not null,
    version        integer not null
);
create index plans_unit on plans (org_unit_id, issued_on desc);
create index plans_parent on plans (parent_plan_id);

-- One row per thing a unit submitted against a deadline of a plan: its own plan, or a report.
create table plan_submissions (
    plan_id       uuid not null,
    deadline_code text not null,
    org_unit_id   uuid not null,
    org_path      text not null,
    org_name      text not null,
    kind          text not null check (kind in ('plan', 'report')),
    item_id       uuid not null,
    submitted_on  date not null,
    late          boolean not null,
    recorded_at   timestamptz not null,
    primary key (plan_id, deadline_code, org_unit_id, item_id)
);

insert into projection_tracking (name, status) values ('registry.plans', 'live') on conflict do nothing;

-- Units that registered, voluntarily, in the movement a plan launches.
create table plan_participations (
    plan_id       uuid not null,
    org_unit_id   uuid not null,
    org_path      text not null,
    org_name      text not null,
    commitment    text,
    registered_on date not null,
    recorded_at   timestamptz not null,
    primary key (plan_id, org_unit_id)
);

-- Emulation blocs (khối thi đua) and their members now: the projection registry.blocs.
create table emulation_blocs (
    id          uuid primary key,
    code        text not null,
    name        text not null,
    org_unit_id uuid not null,
    org_path    text not null,
    formed_at   timestamptz not null,
    version     integer not null
);
create table bloc_members (
    bloc_id     uuid not null,
    org_unit_id uuid not null,
    primary key (bloc_id, org_unit_id)
);
create index bloc_members_unit on bloc_members (org_unit_id);

insert into projection_tracking (name, status) values ('registry.blocs', 'live') on conflict do nothing;
