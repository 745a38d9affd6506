import { describe, expect, it } from 'vitest';
import type { Decision } from '../model/decision.js';
import type { Completion } from '../model/delivery.js';
import { webhookHealth } from './completions-store.js';

const done = (
  webhookId: string,
  at: number,
  kind: Decision['kind'],
  fault: Completion['fault'] = null,
): Completion => ({
  id: String(at),
  token: 't',
  webhookId,
  messageId: `msg_${at}`,
  scheme: 'standard-webhooks',
  attempt: 1,
  fault,
  signedAt: Math.floor(at / 1000),
  startedAt: at,
  finishedAt: at + 1,
  durationMs: 1,
  statusCode: kind === 'delivered' ? 200 : 500,
  error: null,
  responseExcerpt: null,
  decision:
    kind === 'retry'
      ? { kind, at: at + 1000, reason: 'HTTP 500' }
      : kind === 'delivered'
        ? { kind }
        : { kind, reason: 'x' },
});

describe('webhookHealth', () => {
  it('a success after failures clears the failure record; failures after a success start one', () => {
    const h = webhookHealth([
      done('a', 1000, 'retry'),
      done('a', 2000, 'delivered'),
      done('b', 1500, 'delivered'),
      done('b', 2500, 'retry'),
      done('b', 3500, 'failed'),
    ]);
    expect(h.ids).toEqual(['a', 'b']);
    expect(h.ok).toEqual([true, false]);
    expect(h.failSince).toEqual([null, new Date(2500)]);
  });

  it('leaves fault deliveries out: their rejections say nothing about the endpoint', () => {
    const h = webhookHealth([done('a', 1000, 'rejected', 'bad_signature')]);
    expect(h.ids).toEqual([]);
  });
});
