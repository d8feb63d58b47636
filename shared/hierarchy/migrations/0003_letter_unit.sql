-- The unit a dead letter is about, read from its stored body (never from a header the publisher
-- wrote): the contract's owner unit, its org unit, or the unit standing at its org path. Null when
-- the body is not a JSON object naming one (it was never a valid event).
create function dvk_letter_unit(body bytea) returns uuid
    language plpgsql stable as $$
declare
    doc jsonb;
begin
    doc := convert_from(body, 'UTF8')::jsonb;
    if jsonb_typeof(doc) <> 'object' then
        return null;
    end if;
    return dvk_unit_of(
        nullif(coalesce(doc->>'owner_org_unit_id', doc->>'org_unit_id', doc->>'successor_id'), '')::uuid,
        doc->>'org_path');
exception when others then
    return null;
end $$;
