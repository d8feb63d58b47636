-- Models through their life: a sub-field from the managed list, an exemplar's person (private to the
-- units carrying it), amendments (version), withdrawal with its reason.
alter table models add column sub_field text;
alter table models add column person jsonb;
alter table models add column withdrawn_at timestamptz;
alter table models add column withdrawn_reason text;
