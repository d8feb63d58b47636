-- Placeholder keeping the registry's migrations numbered 1..n on this branch; replaced at merge.
-- (A statement, because asyncpg cannot execute a file that holds only a comment.)
select 1;
