/** Which statements a piece of database work sends: the tests that promise "one statement" count them. */
import type { SqlEntityManager } from "../../mixins/orm.mixin.js";

/** Runs `work` in a transaction on a fork of `em`, recording the SQL of every statement it sends. */
export async function recordStatements<T>(em: SqlEntityManager, work: (em: SqlEntityManager) => Promise<T>): Promise<{ result: T; statements: string[] }> {
	const statements: string[] = [];
	const result = await em.fork().transactional(async tx => {
		const connection = (tx as SqlEntityManager).getConnection();
		const execute = connection.execute.bind(connection);
		connection.execute = ((...args: Parameters<typeof execute>) => (statements.push(String(args[0])), execute(...args))) as typeof execute;
		try {
			return await work(tx as SqlEntityManager);
		} finally {
			connection.execute = execute;
		}
	});
	return { result, statements };
}
