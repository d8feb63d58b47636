-- Search without diacritics: "dan van kheo" finds "Dân vận khéo", "bao ha" finds "Xã Bảo Hà".
-- unaccent and pg_trgm are trusted extensions: the database's owner (the service's role) may add them.
create extension if not exists unaccent with schema public;
create extension if not exists pg_trgm with schema public;

-- Lower case without tone marks or diacritics (đ → d). Immutable, naming its dictionary, so it can
-- back an index (unaccent(text) alone depends on the search path).
create function dvk_fold(t text) returns text language sql immutable parallel safe strict
    as $$ select lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;

create index models_words on models using gin (dvk_fold(title || ' ' || coalesce(description, '')) gin_trgm_ops);
