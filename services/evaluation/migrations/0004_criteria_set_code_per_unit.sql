-- A criteria set's code is unique at its issuing unit, and a unit is its id: the path it had when it
-- issued the set may change (a move, a rename of a parent's code) or later name another unit. So the
-- race guard between two issuers moves from (org_path, code) to (code, org_unit_id). Sets carried over
-- from before units had ids keep a null id; the handler finds them through `dvk_unit_of`.
alter table criteria_sets drop constraint if exists criteria_sets_org_path_code_key;
create unique index if not exists criteria_sets_code_unit on criteria_sets (code, org_unit_id);
