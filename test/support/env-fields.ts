import type { TestEnv } from '../env.js';

/**
 * The TestEnv fields every environment reads from its `stack.env` the same way (local stack,
 * containers, scaled stack); each adds its kind and how it stops and starts parts.
 */
export function stackEnvFields(
  e: Record<string, string | undefined>,
): Omit<TestEnv, 'kind' | 'stopPart' | 'startPart'> {
  return {
    senderUrl: e.SENDER_URL!,
    ingressUrl: e.INGRESS_URL!,
    consumerUrl: e.CONSUMER_URL!,
    handlerUrls: e.HANDLER_URLS!.split(' '),
    kafkaBrokers: e.KAFKA_BROKERS!.split(','),
    databaseUrl: e.DATABASE_URL!,
    senderDatabaseUrl: e.SENDER_DATABASE_URL!,
    senderApiKey: e.SENDER_API_KEY!,
    receiverApiKey: e.RECEIVER_API_KEY!,
    receiverSecret: e.RECEIVER_SECRET!,
  };
}
