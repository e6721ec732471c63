/** The domain events that cross Kafka, and the shapes of their `data`. */
export const ORDER_CREATED = "gozon.order.created";
export const PAYMENT_SUCCEEDED = "gozon.payment.succeeded";
export const PAYMENT_FAILED = "gozon.payment.failed";

export type PaymentFailureReason = "ACCOUNT_NOT_FOUND" | "INSUFFICIENT_FUNDS";

export interface OrderCreatedData {
	orderId: string;
	userId: string;
	amount: number;
	description: string;
}

export interface PaymentResultData {
	orderId: string;
	userId: string;
	amount: number;
	reason?: PaymentFailureReason;
}

export interface EventDataByType {
	[ORDER_CREATED]: OrderCreatedData;
	[PAYMENT_SUCCEEDED]: PaymentResultData;
	[PAYMENT_FAILED]: PaymentResultData;
}

export type EventType = keyof EventDataByType;
