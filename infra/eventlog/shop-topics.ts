import { ORDERS_TOPIC, PAYMENTS_TOPIC, dlqTopic } from "../../domain/events/topics.js";

export const SHOP_TOPICS = [ORDERS_TOPIC, PAYMENTS_TOPIC];
export const DLQ_TOPICS_OF = (topics: string[]): string[] => topics.map(dlqTopic);
