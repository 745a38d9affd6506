/**
 * Static checks of the container path that need no container engine (part of `make test`):
 * docker-compose accepts the file, the topology is the documented one, every variable a service
 * reads is in .env.example and reaches its container, and nginx accepts both renderings of the
 * shared template (local stack and compose).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openContext, readEnvFile } from '@hookpipe/stack';
import { writeNginxConfig } from '../../stack/src/nginx.js';
import { NGINX_BIN, nginxTestWithHosts } from './nginx-check.js';
import {
  SERVICE_SCHEMAS,
  interpolate,
  loadCompose,
  loadEnvExample,
  repoFile,
  schemaVariables,
  serviceEnv,
} from './compose-file.js';

const run = promisify(execFile);
const compose = loadCompose();
const envExample = loadEnvExample();
const services = compose.services;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-topology-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const onPath = async (cmd: string, args: string[]) =>
  run(cmd, args).then(
    () => true,
    () => false,
  );

describe('docker-compose.yml', () => {
  it('is accepted by `docker-compose config`', async (ctx) => {
    if (!(await onPath('docker-compose', ['version']))) {
      console.warn(
        'skipped: the docker-compose binary is not installed (Debian: apt-get install docker-compose)',
      );
      ctx.skip();
    }
    const file = repoFile('docker-compose.yml');
    await run('docker-compose', ['--env-file', repoFile('.env.example'), '-f', file, 'config', '-q']);
    await run('docker-compose', [
      '--env-file',
      repoFile('.env.example'),
      '-f',
      file,
      '--profile',
      'demo',
      'config',
      '-q',
    ]);
    // The kafka3 profile, as a user runs it: compose/kafka3.env appended to .env.
    const env3 = path.join(tmp, 'kafka3.env');
    writeFileSync(
      env3,
      readFileSync(repoFile('.env.example'), 'utf8') +
        readFileSync(repoFile('compose', 'kafka3.env'), 'utf8'),
    );
    await run('docker-compose', ['--env-file', env3, '-f', file, 'config', '-q']);
  });

  it('has Kafka, PostgreSQL, the init job, the sender, 3 handler replicas, nginx, the consumer, the api proxy, a demo profile and a kafka3 profile', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'consumer',
        'demo',
        'handler',
        'init',
        'kafka',
        'kafka-2',
        'kafka-3',
        'nginx',
        'postgres',
        'sender',
      ].sort(),
    );
    expect(services['kafka-2']!.profiles).toEqual(['kafka3']);
    expect(services['kafka-3']!.profiles).toEqual(['kafka3']);
    expect(services.handler!.deploy?.replicas).toBe(3);
    expect(serviceEnv(services.handler!, envExample.values).HANDLER_REPLICAS).toBe('3');
    expect(services.demo!.profiles).toEqual(['demo']);
    for (const name of ['init', 'sender', 'handler', 'consumer']) {
      expect(services[name]!.command?.[0]).toBe(name);
    }
    const kafka = serviceEnv(services.kafka!, envExample.values);
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller'); // KRaft, no ZooKeeper
    expect(Object.keys(kafka).some((k) => k.includes('ZOOKEEPER'))).toBe(false);
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('takes every image through a variable whose default is the official tag', () => {
    const defaults = Object.fromEntries(
      Object.entries(services).map(([name, s]) => [name, interpolate(s.image ?? '', {})]),
    );
    expect(defaults.kafka).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    expect(defaults.postgres).toMatch(/^postgres:\d+/);
    expect(defaults.nginx).toMatch(/^nginx:\d/);
    expect(services.kafka!.image).toContain('${KAFKA_IMAGE:-');
    expect(services.postgres!.image).toContain('${POSTGRES_IMAGE:-');
    expect(services.nginx!.image).toContain('${NGINX_IMAGE:-');
    expect(services.api!.image).toContain('${NGINX_IMAGE:-');
    expect(services['kafka-2']!.image).toContain('${KAFKA_IMAGE:-');
    for (const name of ['init', 'sender', 'handler', 'consumer', 'demo']) {
      expect(services[name]!.image).toContain('${HOOKPIPE_IMAGE:-');
    }
  });

  it('gives every long-running service a healthcheck and orders start-up with depends_on conditions', () => {
    for (const name of [
      'kafka',
      'postgres',
      'sender',
      'handler',
      'nginx',
      'consumer',
      'api',
      'kafka-2',
      'kafka-3',
    ]) {
      const hc = services[name]!.healthcheck;
      expect({ name, test: hc?.test?.[0], disabled: hc?.disable ?? false }).toEqual({
        name,
        test: expect.stringMatching(/^CMD(-SHELL)?$/),
        disabled: false,
      });
    }
    const healthy = { condition: 'service_healthy' };
    const done = { condition: 'service_completed_successfully' };
    expect(services.init!.depends_on).toEqual({ kafka: healthy, postgres: healthy });
    expect(services.sender!.depends_on).toEqual({ init: done, postgres: healthy });
    expect(services.handler!.depends_on).toEqual({ init: done, kafka: healthy, postgres: healthy });
    expect(services.consumer!.depends_on).toEqual({ init: done, kafka: healthy, postgres: healthy });
    expect(services.nginx!.depends_on).toEqual({ handler: healthy });
    expect(services.demo!.depends_on).toEqual({ sender: healthy, consumer: healthy, nginx: healthy });
    expect(services.api!.depends_on).toEqual({ sender: healthy, consumer: healthy });
  });

  it('publishes the contract ports 8080, 8081 and 8082 (and Kafka, PostgreSQL) on 127.0.0.1 only', () => {
    // The default topology (no profile); the sender's and consumer's APIs through `api`.
    const published = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name} ${interpolate(p, envExample.values)}`))
      .sort();
    expect(published).toEqual([
      'api 127.0.0.1:8080:8080',
      'api 127.0.0.1:8082:8082',
      'kafka 127.0.0.1:9092:29092',
      'nginx 127.0.0.1:8081:8081',
      'postgres 127.0.0.1:55432:5432',
    ]);
    expect(
      interpolate(serviceEnv(services.kafka!, envExample.values).KAFKA_ADVERTISED_LISTENERS!, {}),
    ).toContain('HOST://127.0.0.1:9092');
  });

  it('lists every variable a service reads in .env.example, and compose hands each to its service', () => {
    const missing: string[] = [];
    const notPassed: string[] = [];
    // Image paths the init job finds by itself.
    const imageDefaults = new Set(['RECEIVER_MIGRATIONS_DIR', 'SENDER_MIGRATIONS_DIR']);
    for (const [service, schema] of Object.entries(SERVICE_SCHEMAS)) {
      const environment = services[service]!.environment ?? {};
      for (const name of schemaVariables(schema)) {
        if (!envExample.listed.has(name)) missing.push(`${name} (${schema})`);
        if (!(name in environment) && !imageDefaults.has(name)) notPassed.push(`${service}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(notPassed).toEqual([]);
    // The secrets compose requires are set in the example, so `cp .env.example .env` just works.
    for (const name of ['POSTGRES_PASSWORD', 'SENDER_API_KEY', 'RECEIVER_API_KEY']) {
      expect(envExample.values[name]).toBeTruthy();
    }
  });

  it("renders nginx's upstream over compose's `handler` name with the template's default parameters", () => {
    const defaults = readEnvFile(repoFile('nginx', 'templates', 'defaults.env'));
    const env = serviceEnv(services.nginx!, envExample.values);
    expect(env.HOOKPIPE_UPSTREAM_SERVERS).toBe(
      `server handler:8090 ${defaults.HOOKPIPE_UPSTREAM_SERVER_PARAMS};`,
    );
    expect(services.nginx!.env_file).toBe('nginx/templates/defaults.env');
    expect(services.nginx!.volumes).toContain(
      './nginx/templates/hookpipe.conf.template:/etc/nginx/templates/hookpipe.conf.template:ro',
    );
  });
});

describe('nginx -t on both renderings of nginx/templates/hookpipe.conf.template', () => {
  it('accepts the local stack rendering', async (ctx) => {
    if (!NGINX_BIN) {
      console.warn('skipped: no nginx binary (Debian: apt-get install nginx)');
      ctx.skip();
    }
    const stack = openContext({ dir: path.join(tmp, 'local'), env: {}, log: () => undefined });
    await expect(writeNginxConfig(stack, NGINX_BIN!)).resolves.toMatch(/nginx\.conf$/);
  });

  it("accepts the compose rendering (the image's envsubst step, `handler` resolving as compose's DNS would)", async (ctx) => {
    const dir = path.join(tmp, 'compose');
    mkdirSync(dir, { recursive: true });
    // What the container's environment holds: env_file, then `environment:`; only ^HOOKPIPE_ is substituted.
    const vars: Record<string, string> = {
      ...readEnvFile(repoFile('nginx', 'templates', 'defaults.env')),
      ...serviceEnv(services.nginx!, envExample.values),
      // The image links this path to stdout; outside it, a file nginx -t may open.
      HOOKPIPE_ACCESS_LOG: path.join(dir, 'access.log'),
    };
    const filter = new RegExp(vars.NGINX_ENVSUBST_FILTER ?? '');
    const names = Object.keys(vars).filter((k) => filter.test(k));
    const template = readFileSync(repoFile('nginx', 'templates', 'hookpipe.conf.template'), 'utf8');
    const rendered = template.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (whole, a?: string, b?: string) => (names.includes((a ?? b)!) ? vars[(a ?? b)!]! : whole),
    );
    expect(rendered).not.toMatch(/\$\{HOOKPIPE_[A-Z0-9_]+\}/);
    writeFileSync(path.join(dir, 'hookpipe.conf'), rendered);
    const notRun = await nginxTestWithHosts(dir, 'hookpipe.conf', ['handler']);
    if (notRun) {
      console.warn(`skipped: ${notRun}`);
      ctx.skip();
    }
  });
});
