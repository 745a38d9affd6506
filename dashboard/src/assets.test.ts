import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ASSETS_DIR, loadDashboardAssets } from './assets.js';

describe("the repository's dashboard/public/ folder", () => {
  const assets = loadDashboardAssets(DEFAULT_ASSETS_DIR);

  it('holds the page, and every file the page and its modules load', () => {
    expect([...assets.keys()]).toEqual(expect.arrayContaining(['index.html', 'app.js', 'dashboard.css']));
    const html = assets.get('index.html')!.body.toString();
    const referenced = [...html.matchAll(/(?:src|href)="\/dashboard\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    for (const [name, asset] of assets) {
      if (!name.endsWith('.js')) continue;
      referenced.push(...[...asset.body.toString().matchAll(/from '\.\/([^']+)'/g)].map((m) => m[1]!));
    }
    expect(referenced.length).toBeGreaterThan(5);
    for (const name of referenced) expect(assets.has(name), name).toBe(true);
  });

  it('has no inline script or style the CSP would block, and never writes HTML from data', () => {
    const html = readFileSync(path.join(DEFAULT_ASSETS_DIR, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
    for (const [name, asset] of assets) {
      if (name.endsWith('.js'))
        expect(asset.body.toString(), name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML/);
    }
  });

  it('serves only the page’s own kinds of file (not its tsconfig.json)', () => {
    expect(assets.has('tsconfig.json')).toBe(false);
  });
});
