/**
 * Every connection of a service plans each execution of a prepared statement for the values it
 * is given (`plan_cache_mode = force_custom_plan`), instead of letting PostgreSQL switch to a
 * generic plan after five executions.
 *
 * PostgreSQL chooses that generic plan once, against the tables as they are then, and keeps it
 * until the next ANALYZE of a table it reads. A service prepares its statements when it starts,
 * often against tables of a page or two, and where ANALYZE seldom or never runs (autovacuum off,
 * as on test and benchmark machines, or behind on a table that grows fast) that plan stays: the
 * payments read scanned the whole `payments` table for every batch, 15 ms at 12,000 rows and
 * 100 ms later in the same run (README.md, "Round nine"). A custom plan sees each table's current
 * size and the batch's real arrays, and costs a plan per execution; the parse is still saved,
 * which was the larger part of what preparing the statements won.
 *
 * It is a startup parameter of the connection, so it holds before the first statement. Through a
 * pooler that does not pass it on, set it on the role instead:
 * `ALTER ROLE … SET plan_cache_mode = force_custom_plan`.
 */
export const PLAN_EACH_EXECUTION = { options: "-c plan_cache_mode=force_custom_plan" };
