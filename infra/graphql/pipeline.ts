/**
 * One GraphQL request, from its parameters to a formatted result, shared by HTTP and WebSocket:
 * check the parameters, parse (bounded), validate (standard rules plus a cap on root fields),
 * pick the operation, execute.
 */
import {
	execute,
	getOperationAST,
	GraphQLError,
	Kind,
	OperationTypeNode,
	parse,
	specifiedRules,
	validate,
	type DocumentNode,
	type ExecutionArgs,
	type ExecutionResult,
	type GraphQLFormattedError,
	type GraphQLSchema,
	type ValidationContext,
	type ASTVisitor,
} from "graphql";
import { formatErrors, requestError } from "./errors.js";

/** Tokens a document may have: GraphiQL's introspection query needs about 1,000. */
export const MAX_TOKENS = 5000;
/** Top-level fields one operation may select (each one is a service call). */
export const MAX_ROOT_FIELDS = 25;

export interface RequestParams {
	query?: unknown;
	variables?: unknown;
	operationName?: unknown;
	extensions?: unknown;
}

export type Prepared =
	| { ok: true; document: DocumentNode; operation: OperationTypeNode; args: ExecutionArgs }
	| { ok: false; requestError: boolean; errors: GraphQLFormattedError[] };

/** Refuses documents that select more than MAX_ROOT_FIELDS top-level fields. */
function maxRootFieldsRule(context: ValidationContext): ASTVisitor {
	const schema = context.getSchema();
	const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean));
	let count = 0;
	return {
		Field(node) {
			const parent = context.getParentType();
			if (!parent || !roots.has(parent as never) || node.name.value.startsWith("__")) return;
			count++;
			if (count === MAX_ROOT_FIELDS + 1) {
				context.reportError(new GraphQLError(`A document may select at most ${MAX_ROOT_FIELDS} top-level fields.`, { nodes: node }));
			}
		},
	};
}

const RULES = [...specifiedRules, maxRootFieldsRule];

export function prepare(schema: GraphQLSchema, params: RequestParams, contextValue: unknown): Prepared {
	const fail = (message: string): Prepared => ({ ok: false, requestError: true, errors: [requestError(message)] });
	const { query, operationName } = params;
	let { variables } = params;
	if (typeof query !== "string" || query.trim() === "") return fail("The request must carry a GraphQL document in 'query'.");
	if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return fail("'operationName' must be a string.");
	if (typeof variables === "string") {
		// GET carries variables as a JSON string in the query string.
		try {
			variables = variables === "" ? undefined : JSON.parse(variables);
		} catch {
			return fail("'variables' is not valid JSON.");
		}
	}
	if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) {
		return fail("'variables' must be a JSON object.");
	}

	let document: DocumentNode;
	try {
		document = parse(query, { maxTokens: MAX_TOKENS });
	} catch (err) {
		if (err instanceof GraphQLError) return { ok: false, requestError: false, errors: formatErrors([err], { phase: "parse" }) };
		throw err;
	}
	const validationErrors = validate(schema, document, RULES);
	if (validationErrors.length > 0) {
		return { ok: false, requestError: false, errors: formatErrors(validationErrors, { phase: "validate", document }) };
	}
	const operation = getOperationAST(document, (operationName as string | null | undefined) ?? undefined);
	if (!operation) {
		const many = document.definitions.filter(d => d.kind === Kind.OPERATION_DEFINITION).length > 1;
		return fail(
			operationName
				? `The document has no operation named '${String(operationName)}'.`
				: many
					? "The document has several operations: name the one to run in 'operationName'."
					: "The document has no operation to run.",
		);
	}
	return {
		ok: true,
		document,
		operation: operation.operation,
		args: {
			schema,
			document,
			operationName: (operationName as string | null | undefined) ?? undefined,
			variableValues: (variables as Record<string, unknown> | null | undefined) ?? undefined,
			contextValue,
		},
	};
}

export interface FormattedResult {
	data?: unknown;
	errors?: GraphQLFormattedError[];
	extensions?: unknown;
}

/** Formats an execution result: every error gets a code; unexpected ones are masked and logged. */
export function formatResult(result: ExecutionResult, document: DocumentNode, onInternalError: (err: GraphQLError) => void): FormattedResult {
	if (!result.errors || result.errors.length === 0) return result as FormattedResult;
	return { ...result, errors: formatErrors(result.errors, { phase: "execute", document, onInternalError }) } as FormattedResult;
}

/** Runs a prepared query or mutation. */
export async function run(prepared: Extract<Prepared, { ok: true }>, onInternalError: (err: GraphQLError) => void): Promise<FormattedResult> {
	const result = await execute(prepared.args);
	return formatResult(result, prepared.document, onInternalError);
}

export { OperationTypeNode };
