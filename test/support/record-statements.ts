/** Which statements a piece of database work sends: the tests that promise "one statement" count them. */
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";

type ExecuteQuery = (query: string, cb: () => Promise<unknown>, context?: unknown) => Promise<unknown>;
type Begin = (...args: unknown[]) => Promise<unknown>;

/**
 * Runs `work` on a fork of `em`, with no transaction around it, recording the SQL of every
 * statement it sends (BEGIN and COMMIT included, should it open a transaction of its own).
 */
export async function recordStatements<T>(em: SqlEntityManager, work: (em: SqlEntityManager) => Promise<T>): Promise<{ result: T; statements: string[] }> {
	const statements: string[] = [];
	const fork = em.fork() as SqlEntityManager;
	// Every statement, through em.execute or prepared (infra/db/run-statement.ts), passes MikroORM's
	// executeQuery, which logs it.
	const connection = fork.getConnection() as unknown as { executeQuery: ExecuteQuery; begin: Begin };
	const executeQuery = connection.executeQuery.bind(connection);
	const begin = connection.begin.bind(connection);
	connection.executeQuery = ((...args: Parameters<ExecuteQuery>) => (statements.push(String(args[0])), executeQuery(...args))) as ExecuteQuery;
	connection.begin = ((...args: Parameters<Begin>) => (statements.push("begin"), begin(...args))) as Begin;
	try {
		return { result: await work(fork), statements };
	} finally {
		connection.executeQuery = executeQuery;
		connection.begin = begin;
	}
}
