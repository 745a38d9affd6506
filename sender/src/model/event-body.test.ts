import { describe, expect, it } from 'vitest';
import { eventBody } from './event-body.js';

const at = new Date('2025-03-01T10:00:00.000Z');

describe('event bodies', () => {
  it('have the contract shape { type, timestamp, data }', () => {
    const body = JSON.parse(eventBody('order.created', at, { a: 1 }).toString()) as unknown;
    expect(body).toEqual({ type: 'order.created', timestamp: '2025-03-01T10:00:00.000Z', data: { a: 1 } });
  });
});
