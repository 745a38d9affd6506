/**
 * Static checks of compose's scaling (part of `make test`, no container engine): the sender and
 * the consumer scale with `--scale` (no fixed name or host port; `api` publishes them), and the
 * kafka3 profile is one KRaft quorum of three whose topics are replicated 3 ways.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnvFile } from '@hookpipe/stack';
import { loadCompose, loadEnvExample, repoFile, serviceEnv } from './compose-file.js';
import { nginxTestWithHosts } from './nginx-check.js';

const compose = loadCompose();
const services = compose.services;
const example = loadEnvExample().values;
const kafka3 = { ...example, ...readEnvFile(repoFile('compose', 'kafka3.env')) };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-topology-scale-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const nodes = ['kafka', 'kafka-2', 'kafka-3'];

describe('compose scaling', () => {
  it('lets sender and consumer scale: no container name, no host port; api publishes 8080 and 8082 over every replica', () => {
    for (const name of ['sender', 'consumer']) {
      const s = services[name] as { container_name?: string; ports?: string[] };
      expect({ name, container_name: s.container_name, ports: s.ports }).toEqual({
        name,
        container_name: undefined,
        ports: undefined,
      });
    }
    expect(services.api!.volumes).toContain(
      './compose/api/api.conf.template:/etc/nginx/templates/api.conf.template:ro',
    );
    const template = readFileSync(repoFile('compose', 'api', 'api.conf.template'), 'utf8');
    expect(template).toMatch(/upstream hookpipe_senders \{\s+server sender:8080 /);
    expect(template).toMatch(/upstream hookpipe_consumers \{\s+server consumer:8082 /);
    expect(template).not.toMatch(/\$\{HOOKPIPE_[A-Z0-9_]+\}/);
  });

  it('runs one broker by default: a quorum of one, one copy of each partition', () => {
    const env = serviceEnv(services.kafka!, example);
    expect(env).toMatchObject({
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
    });
    for (const name of ['init', 'handler', 'consumer'])
      expect(serviceEnv(services[name]!, example).KAFKA_BROKERS).toBe('kafka:9092');
  });

  it('makes the kafka3 profile one KRaft quorum of three combined nodes, topics at RF 3 with min.insync.replicas=2', () => {
    expect(kafka3.COMPOSE_PROFILES).toBe('kafka3');
    const envs = nodes.map((n) => serviceEnv(services[n]!, kafka3));
    const voters = '1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093';
    nodes.forEach((name, i) => {
      expect({ name, ...envs[i] }).toMatchObject({
        name,
        KAFKA_NODE_ID: String(i + 1),
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
        CLUSTER_ID: envs[0]!.CLUSTER_ID,
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '2',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
      });
      expect(envs[i]!.KAFKA_ADVERTISED_LISTENERS).toContain(`PLAINTEXT://${name}:9092`);
      expect((services[name] as { hostname?: string }).hostname).toBe(name);
    });
    // Each node keeps its own storage and host port.
    expect(new Set(nodes.map((n) => services[n]!.volumes?.[0])).size).toBe(3);
    expect(new Set(nodes.map((n) => services[n]!.ports?.[0])).size).toBe(3);
    expect(serviceEnv(services.init!, kafka3)).toMatchObject({
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_MIN_INSYNC_REPLICAS: '2',
    });
    for (const name of ['init', 'handler', 'consumer'])
      expect(serviceEnv(services[name]!, kafka3).KAFKA_BROKERS).toBe('kafka:9092,kafka-2:9092,kafka-3:9092');
  });

  it('nginx -t accepts the api proxy (sender and consumer resolving as compose’s DNS would)', async (ctx) => {
    const dir = path.join(tmp, 'api');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'api.conf'),
      readFileSync(repoFile('compose', 'api', 'api.conf.template'), 'utf8'),
    );
    const notRun = await nginxTestWithHosts(dir, 'api.conf', ['sender', 'consumer']);
    if (notRun) {
      console.warn(`skipped: ${notRun}`);
      ctx.skip();
    }
  });
});
