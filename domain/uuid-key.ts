/**
 * A UUID as a map key. PostgreSQL compares UUIDs regardless of case and returns them in lower
 * case, while an event may carry upper case: keys built from both must agree.
 */
export function uuidKey(id: string): string {
	return id.toLowerCase();
}
