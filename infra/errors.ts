/**
 * Errors a client can act on. moleculer-web turns `code` into the HTTP status and sends
 * `{name, message, code, type, data}`; `data` names the offending fields.
 */
import { Errors } from "moleculer";

export interface FieldProblem {
	field: string;
	message: string;
	type?: string;
}

export function badRequest(problems: FieldProblem[], message?: string): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(
		message ?? problems.map(p => p.message).join(" "),
		400,
		"VALIDATION_ERROR",
		problems,
	);
}

export function notFound(type: string, message: string): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(message, 404, type, []);
}

export function conflict(type: string, message: string): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(message, 409, type, []);
}

export function unprocessable(type: string, message: string, data: FieldProblem[] = []): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(message, 422, type, data);
}

export function unavailable(type: string, message: string): Errors.MoleculerRetryableError {
	return new Errors.MoleculerRetryableError(message, 503, type, []);
}
