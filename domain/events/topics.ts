/** Kafka topics of the shop. Each service publishes to its own topic; poison goes to `<topic>.dlq`. */
export const ORDERS_TOPIC = "gozon.orders.v1";
export const PAYMENTS_TOPIC = "gozon.payments.v1";

export function dlqTopic(topic: string): string {
	return `${topic}.dlq`;
}

/** Header naming why a message was dead-lettered. */
export const DLQ_REASON_HEADER = "x-dlq-reason";
