/**
 * `raise_conflict_unless(ok, message)`: fails the statement it is part of with SQLSTATE 40001
 * (serialization_failure) unless `ok`. A write made of one statement, with no transaction around
 * it, uses it to refuse itself as a whole: a version-guarded update that matched fewer rows than
 * it was given (a concurrent writer won) takes every other row of the same statement with it,
 * and the caller runs the unit of work again (retry-on-conflict.ts).
 */
export const createConflictGuardSql = `create or replace function raise_conflict_unless(ok boolean, message text) returns boolean
	language plpgsql as $$
	begin
		if not ok then
			raise exception using errcode = 'serialization_failure', message = message;
		end if;
		return true;
	end
	$$`;
