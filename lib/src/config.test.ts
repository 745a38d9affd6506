import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, env, loadConfig } from './config.js';

const schema = z.object({
  PORT: env.port(8080),
  ENABLED: env.flag(false),
  HOSTS: env.list(['a']),
  RATE: env.number(0.5, 0, 1),
  API_KEY: z.string().min(8),
});

describe('loadConfig', () => {
  it('applies defaults and coercion; empty strings mean unset', () => {
    const cfg = loadConfig(schema, { API_KEY: '12345678', PORT: '', ENABLED: 'on', HOSTS: 'x, y z' });
    expect(cfg).toEqual({
      PORT: 8080,
      ENABLED: true,
      HOSTS: ['x', 'y', 'z'],
      RATE: 0.5,
      API_KEY: '12345678',
    });
    expect(loadConfig(schema, { API_KEY: '12345678' }).HOSTS).toEqual(['a']);
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: '99999', ENABLED: 'maybe', RATE: '2' }, 'svc');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.issues.map((i) => i.variable).sort()).toEqual(['API_KEY', 'ENABLED', 'PORT', 'RATE']);
    expect(e.message).toContain('svc: invalid configuration');
    expect(e.message).toContain('ENABLED: expected on/off');
  });
});
