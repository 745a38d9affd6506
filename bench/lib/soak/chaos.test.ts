import { describe, expect, it } from 'vitest';
import { chaosPlan, describeStep, makeRandom, stepMark } from './chaos.js';
import { replayEnv, soakSettings } from './settings.js';

describe('the chaos plan', () => {
  const settings = soakSettings({ SOAK_SEED: '42', SOAK_MINUTES: '30' });

  it('is the same for the same seed, and another for another seed', () => {
    expect(chaosPlan(settings, 3)).toEqual(chaosPlan(settings, 3));
    expect(chaosPlan({ ...settings, seed: 43 }, 3)).not.toEqual(chaosPlan(settings, 3));
  });

  it('draws gaps, actions and their parameters within the settings', () => {
    const plan = chaosPlan(settings, 3);
    // 30 minutes, a gap of at least 60 s: at most 31 steps can start.
    expect(plan).toHaveLength(31);
    for (const s of plan) {
      expect(s.gapS).toBeGreaterThanOrEqual(60);
      expect(s.gapS).toBeLessThanOrEqual(120);
      if (s.kind === 'kill-handler') expect(s.part).toMatch(/^handler-[1-3]$/);
      if (s.kind === 'stop-kafka') expect(s.holdS).toBeGreaterThanOrEqual(10);
      if (s.kind === 'stop-kafka') expect(s.holdS).toBeLessThanOrEqual(30);
      if (s.kind === 'stop-postgres') expect(s.holdS).toBe(10);
    }
    expect(new Set(plan.map((s) => s.kind)).size).toBe(6);
  });

  it('follows SOAK_CHAOS, and is empty when it is off', () => {
    const only = chaosPlan(soakSettings({ SOAK_SEED: '1', SOAK_CHAOS: 'stop-kafka' }), 3);
    expect(new Set(only.map((s) => s.kind))).toEqual(new Set(['stop-kafka']));
    expect(chaosPlan(soakSettings({ SOAK_SEED: '1', SOAK_CHAOS: 'off' }), 3)).toEqual([]);
    expect(() => soakSettings({ SOAK_CHAOS: 'reboot' })).toThrow(/SOAK_CHAOS: unknown reboot/);
  });

  it('describes and marks steps for the log and the plot', () => {
    expect(describeStep({ index: 0, gapS: 60, kind: 'stop-kafka', holdS: 17 })).toBe('stop Kafka for 17 s');
    expect(stepMark({ kind: 'kill-handler', part: 'handler-2' })).toBe('H2');
    expect(stepMark({ kind: 'nginx-one-replica' })).toBe('N');
  });

  it('prints settings that replay the run', () => {
    const replayed = soakSettings(replayEnv(settings));
    expect(replayed.seed).toBe(42);
    expect(chaosPlan(replayed, 3)).toEqual(chaosPlan(settings, 3));
  });

  it('draws numbers in [0, 1) from a seed', () => {
    const random = makeRandom(7);
    const xs = Array.from({ length: 1000 }, random);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(makeRandom(7)()).toBe(xs[0]);
  });
});
