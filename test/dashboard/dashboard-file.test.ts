import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packDashboard, readCurrentDashboard, writeDashboardFileIfChanged } from '../../src/dashboard/dashboard-file.js';
import type { DashboardPageInput } from '../../src/dashboard/page.js';
import { sampleCharts, sampleReports } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dealcast-dash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function input(generatedAt: string, bump = 0): DashboardPageInput {
  const reports = sampleReports();
  reports.pipeline.total.value += bump;
  return { generatedAt, dataSyncedAt: generatedAt, crm: 'demo', timeZone: 'UTC', reports, charts: sampleCharts() };
}

describe('writeDashboardFileIfChanged', () => {
  it('writes a new file, skips an unchanged one (later timestamps only), rewrites a changed one', async () => {
    const path = join(dir, 'sub', 'dashboard.html');
    const first = await writeDashboardFileIfChanged(path, input('2026-11-24T08:00:00.000Z'));
    expect(first).toMatchObject({ written: true, reason: 'new' });
    const bytes = readFileSync(path, 'utf8');
    expect(bytes).toContain('Nov 24, 2026, 08:00 UTC');

    const same = await writeDashboardFileIfChanged(path, input('2026-11-24T09:00:00.000Z'));
    expect(same).toMatchObject({ written: false, reason: 'unchanged', fingerprint: first.fingerprint });
    expect(readFileSync(path, 'utf8')).toBe(bytes);

    const changed = await writeDashboardFileIfChanged(path, input('2026-11-24T10:00:00.000Z', 1));
    expect(changed).toMatchObject({ written: true, reason: 'changed' });
    expect(readFileSync(path, 'utf8')).toContain('Nov 24, 2026, 10:00 UTC');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['dashboard.html']); // no temp file left
  });

  it('compares encrypted files by decrypting them in memory; plaintext never reaches the disk', async () => {
    const path = join(dir, 'dashboard.html');
    const first = await writeDashboardFileIfChanged(path, input('2026-11-24T08:00:00.000Z'), { password: 'pw one' });
    expect(first.written).toBe(true);
    const locked = readFileSync(path, 'utf8');
    for (const secret of ['Globex', 'Ana Ruiz', '1,140,501']) expect(locked).not.toContain(secret);
    expect(readdirSync(dir)).toEqual(['dashboard.html']);

    expect(await readCurrentDashboard(path, 'pw one')).toEqual({ encrypted: true, fingerprint: first.fingerprint });
    expect(await readCurrentDashboard(path)).toEqual({ encrypted: true, fingerprint: null });

    const again = await writeDashboardFileIfChanged(path, input('2026-11-24T09:00:00.000Z'), { password: 'pw one' });
    expect(again.written).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(locked);

    // A new password, or dropping encryption, rewrites even with equal content.
    expect((await writeDashboardFileIfChanged(path, input('2026-11-24T09:00:00.000Z'), { password: 'pw two' })).written).toBe(true);
    expect((await writeDashboardFileIfChanged(path, input('2026-11-24T09:00:00.000Z'))).written).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('Globex');
  });

  it('replaces a file that is not a dashboard', async () => {
    const path = join(dir, 'dashboard.html');
    writeFileSync(path, '<html>something else</html>');
    const before = statSync(path).size;
    const r = await writeDashboardFileIfChanged(path, input('2026-11-24T08:00:00.000Z'));
    expect(r).toMatchObject({ written: true, reason: 'changed' });
    expect(statSync(path).size).toBeGreaterThan(before);
  });
});

describe('packDashboard', () => {
  it('returns bytes and a dated file name, plain or encrypted', async () => {
    const plain = await packDashboard(input('2026-11-24T08:00:00.000Z'));
    expect(plain.filename).toBe('dealcast-dashboard-2026-11-24.html');
    expect(plain.encrypted).toBe(false);
    expect(plain.bytes.toString('utf8')).toContain('Globex renewal');
    const locked = await packDashboard(input('2026-11-24T08:00:00.000Z'), { password: 'x' });
    expect(locked.encrypted).toBe(true);
    expect(locked.fingerprint).toBe(plain.fingerprint);
    expect(locked.bytes.toString('utf8')).not.toContain('Globex');
  });
});
