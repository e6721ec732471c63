/** CloudEvents 1.0 structured-mode JSON envelope, the value of every Kafka message. */
import { randomUUID } from "node:crypto";
import type { EventDataByType, EventType } from "./event-types.js";

export interface CloudEvent<T extends EventType = EventType> {
	specversion: "1.0";
	id: string;
	source: string;
	type: T;
	time: string;
	subject: string;
	datacontenttype: "application/json";
	data: EventDataByType[T];
}

export function createEnvelope<T extends EventType>(args: {
	source: string;
	type: T;
	subject: string;
	data: EventDataByType[T];
	id?: string;
	time?: Date;
}): CloudEvent<T> {
	return {
		specversion: "1.0",
		id: args.id ?? randomUUID(),
		source: args.source,
		type: args.type,
		time: (args.time ?? new Date()).toISOString(),
		subject: args.subject,
		datacontenttype: "application/json",
		data: args.data,
	};
}
