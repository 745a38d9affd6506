import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLeaks, logOffsets, scanForSecrets } from './secret-scan.js';

describe('scanForSecrets', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hookpipe-scan-'));
  const log = path.join(dir, 'a.log');

  it('finds known secrets by label and secret- or signature-shaped text, never printing the value', () => {
    writeFileSync(
      log,
      [
        'fine line',
        'key rk_abcdefghijklmnopqrstuvwx in a message',
        'DETAIL:  Key (secret)=(whsec_5/AyTF2QyJVxsSq4KUtfpj9dpqHp2QddMKPXB70wOGg=) already exists.',
        `x-hub-signature-256: sha256=${'ab'.repeat(32)}`,
        `stripe-signature: t=1,v1=${'cd'.repeat(32)}`,
        `webhook-signature: v1,${'A'.repeat(43)}=`,
        'fingerprint 3f9a0c21be47 is fine',
      ].join('\n'),
    );
    const leaks = scanForSecrets(
      [log],
      [{ label: 'RECEIVER_API_KEY', value: 'rk_abcdefghijklmnopqrstuvwx' }],
    );
    expect(leaks.map((l) => [l.line, l.what])).toEqual([
      [2, 'RECEIVER_API_KEY'],
      [3, 'a whsec_ secret'],
      [4, 'a GitHub signature'],
      [5, 'a Stripe signature'],
      [6, 'a Standard Webhooks signature'],
    ]);
    expect(formatLeaks(leaks)).not.toContain('rk_abc');
  });

  it('reads a file in chunks: lines and multi-byte characters across chunk ends are whole', () => {
    const big = path.join(dir, 'big.log');
    const key = 'rk_abcdefghijklmnopqrstuvwx';
    writeFileSync(big, ['é'.repeat(7), `ü key ${key} ü`, 'clean', `again ${key}`].join('\n'));
    const leaks = scanForSecrets([big], [{ label: 'KEY', value: key }], new Map(), { chunkBytes: 5 });
    expect(leaks.map((l) => [l.line, l.what])).toEqual([
      [2, 'KEY'],
      [4, 'KEY'],
    ]);
  });

  it('scans only what was written after the offsets', () => {
    const offsets = logOffsets([log]);
    appendFileSync(log, '\nnew and clean\n');
    expect(scanForSecrets([log], [], offsets)).toEqual([]);
  });
});
