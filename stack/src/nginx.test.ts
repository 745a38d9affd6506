import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, type StackContext } from './context.js';
import { localTemplateVars, readEnvFile, renderTemplate } from './nginx.js';
import { resolvePorts } from './ports.js';

describe('nginx template rendering', () => {
  it('replaces only ${HOOKPIPE_*} names and leaves nginx variables alone', () => {
    const out = renderTemplate('listen ${HOOKPIPE_PORT}; log $remote_addr ${request_id};', {
      HOOKPIPE_PORT: '8081',
    });
    expect(out).toBe('listen 8081; log $remote_addr ${request_id};');
  });

  it('fails loudly on a variable without a value', () => {
    expect(() => renderTemplate('x ${HOOKPIPE_MISSING};', {})).toThrow(/HOOKPIPE_MISSING/);
  });

  it('reads KEY=value files, skipping comments', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-env-'));
    const file = path.join(dir, 'defaults.env');
    try {
      writeFileSync(file, "# comment\nHOOKPIPE_A=1\n\nHOOKPIPE_B=\"two words\"\nHOOKPIPE_C='a b'\\''c'\n");
      expect(readEnvFile(file)).toEqual({ HOOKPIPE_A: '1', HOOKPIPE_B: 'two words', HOOKPIPE_C: "a b'c" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nginx upstream servers', () => {
  const ctx = { root: REPO_ROOT, env: {}, state: { ports: resolvePorts({}, 3) } } as unknown as StackContext;

  it('lists every replica by default, and only the ones given otherwise (one replica for a while)', () => {
    const all = localTemplateVars(ctx, '/tmp/access.log').HOOKPIPE_UPSTREAM_SERVERS!;
    expect(all.match(/server 127\.0\.0\.1:\d+/g)).toEqual([
      'server 127.0.0.1:8091',
      'server 127.0.0.1:8092',
      'server 127.0.0.1:8093',
    ]);
    const one = localTemplateVars(ctx, '/tmp/access.log', [8091]).HOOKPIPE_UPSTREAM_SERVERS!;
    expect(one).toBe('server 127.0.0.1:8091 max_fails=3 fail_timeout=2s;');
  });
});

describe('stack ports', () => {
  it('uses the contract ports, shifted by STACK_PORT_OFFSET', () => {
    expect(resolvePorts({}, 3)).toEqual({
      sender: 8080,
      ingress: 8081,
      consumer: 8082,
      handlers: [8091, 8092, 8093],
      kafka: 9092,
      kafkaController: 9093,
      postgres: 55432,
    });
    expect(resolvePorts({ STACK_PORT_OFFSET: '10000', KAFKA_PORT: '9000' }, 2)).toMatchObject({
      sender: 18080,
      handlers: [18091, 18092],
      kafka: 19000,
    });
  });

  it('names the variable of a bad port', () => {
    expect(() => resolvePorts({ SENDER_PORT: 'http' }, 1)).toThrow(/SENDER_PORT/);
    expect(() => resolvePorts({ STACK_PORT_OFFSET: '60000' }, 1)).toThrow(/STACK_PORT_OFFSET/);
  });
});
