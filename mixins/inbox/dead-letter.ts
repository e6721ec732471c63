/** Builds the DLQ copy of a message that cannot be processed: same key and bytes, plus why. */
import { DLQ_REASON_HEADER, dlqTopic } from "../../domain/events/topics.js";
import type { IncomingMessage, OutgoingMessage } from "../../infra/eventlog/event-log.js";

export function deadLetterOf(message: IncomingMessage, reason: string, consumerGroup: string): OutgoingMessage {
	return {
		topic: dlqTopic(message.topic),
		key: message.key,
		value: message.value ?? Buffer.alloc(0),
		headers: {
			...message.headers,
			[DLQ_REASON_HEADER]: reason.slice(0, 1000),
			"x-dlq-original-topic": message.topic,
			"x-dlq-original-partition": String(message.partition),
			"x-dlq-original-offset": message.offset,
			"x-dlq-consumer-group": consumerGroup,
		},
	};
}
