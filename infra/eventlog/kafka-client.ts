/**
 * Every KafkaJS client in Gozon (services, scripts, benchmark, tests) is made here, so none runs
 * without the fix for KafkaJS's idle timer loop (kafkajs-idle-loop.ts): a client made without it
 * burns CPU on every idle connection and, from Node 23, prints a TimeoutNegativeWarning.
 */
// Before kafkajs: its producer takes the partition grouping when it loads.
import "./kafkajs-linear-grouping.js";
import { Kafka, type KafkaConfig } from "kafkajs";
import { fixKafkaJsIdleLoop } from "./kafkajs-idle-loop.js";

export function kafkaClient(config: KafkaConfig): Kafka {
	fixKafkaJsIdleLoop();
	return new Kafka(config);
}
