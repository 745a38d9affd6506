import { describe, expect, it } from 'vitest';
import { attemptExhausted, endpointDisabled, endpointEnabled, subscribes } from './operational.js';

const webhook = {
  id: 'wh_1',
  customerId: 'acme',
  url: 'http://localhost:9000/hook',
  failingSince: new Date('2025-01-01T00:00:00Z'),
  disabledAt: new Date('2025-01-01T01:00:00Z'),
  disabledReason: 'deliveries kept failing since 2025-01-01T00:00:00Z',
};
const at = new Date('2025-01-01T02:00:00Z');

describe('operational events', () => {
  it('endpoint.disabled carries the contract’s fields', () => {
    expect(endpointDisabled(webhook, 'automatic', at)).toEqual({
      type: 'endpoint.disabled',
      data: {
        webhook_id: 'wh_1',
        customer_id: 'acme',
        url: 'http://localhost:9000/hook',
        trigger: 'automatic',
        failing_since: '2025-01-01T00:00:00.000Z',
        disabled_at: '2025-01-01T01:00:00.000Z',
        reason: 'deliveries kept failing since 2025-01-01T00:00:00Z',
      },
    });
    const manual = endpointDisabled(
      { ...webhook, failingSince: null, disabledAt: null, disabledReason: null },
      'manual',
      at,
    );
    expect(manual.data).toMatchObject({
      trigger: 'manual',
      failing_since: null,
      disabled_at: at.toISOString(),
      reason: 'disabled by request',
    });
  });

  it('endpoint.enabled and message.attempt.exhausted', () => {
    expect(endpointEnabled(webhook, at).data).toEqual({
      webhook_id: 'wh_1',
      customer_id: 'acme',
      url: 'http://localhost:9000/hook',
      enabled_at: at.toISOString(),
    });
    const exhausted = attemptExhausted({
      webhookId: 'wh_1',
      customerId: 'acme',
      messageId: 'msg_1',
      eventId: null,
      eventType: 'order.created',
      attempts: 10,
      lastStatusCode: 503,
      lastError: null,
      failedAt: at,
    });
    expect(exhausted).toEqual({
      type: 'message.attempt.exhausted',
      data: {
        webhook_id: 'wh_1',
        customer_id: 'acme',
        message_id: 'msg_1',
        event_id: null,
        event_type: 'order.created',
        attempts: 10,
        last_status_code: 503,
        last_error: null,
        failed_at: at.toISOString(),
      },
    });
  });

  it('an endpoint gets the types it names, or all with *', () => {
    expect(subscribes(['*'], 'endpoint.enabled')).toBe(true);
    expect(subscribes(['endpoint.disabled'], 'endpoint.disabled')).toBe(true);
    expect(subscribes(['endpoint.disabled'], 'endpoint.enabled')).toBe(false);
  });
});
