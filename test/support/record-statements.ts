/** Which statements a piece of database work sends: the tests that promise "one statement" count them. */
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";

/**
 * Runs `work` on a fork of `em`, with no transaction around it, recording the SQL of every
 * statement it sends (BEGIN and COMMIT included, should it open a transaction of its own).
 */
export async function recordStatements<T>(em: SqlEntityManager, work: (em: SqlEntityManager) => Promise<T>): Promise<{ result: T; statements: string[] }> {
	const statements: string[] = [];
	const fork = em.fork() as SqlEntityManager;
	const connection = fork.getConnection();
	const execute = connection.execute.bind(connection);
	const begin = connection.begin.bind(connection);
	connection.execute = ((...args: Parameters<typeof execute>) => (statements.push(String(args[0])), execute(...args))) as typeof execute;
	connection.begin = ((...args: Parameters<typeof begin>) => (statements.push("begin"), begin(...args))) as typeof begin;
	try {
		return { result: await work(fork), statements };
	} finally {
		connection.execute = execute;
		connection.begin = begin;
	}
}
