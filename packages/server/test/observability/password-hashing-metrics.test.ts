import { describe, expect, it } from 'vitest';
import { type PasswordHashingFigures, TenantMetrics } from '../../src/observability/metrics.ts';

/*
 * The password-hashing pool's figures on /metrics: read from the pool at each scrape, gauges for what runs
 * and waits now, counters for what was rescued and refused (each scrape adds what the pool counted since
 * the last one, so the counters follow the pool's totals and never go down).
 */

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('TenantMetrics.watchPasswordHashing', () => {
  it('exposes running and queued hashes as gauges and rescued and refused ones as counters, read per scrape', async () => {
    const metrics = new TenantMetrics();
    let figures: PasswordHashingFigures = { busy: 1, queued: 3, rescued: 0, refused: 2 };
    metrics.watchPasswordHashing(() => figures);

    let text = (await metrics.render()).body;
    expect(sample(text, 'authmesh_password_hashing_jobs{state="running"}')).toBe(1);
    expect(sample(text, 'authmesh_password_hashing_jobs{state="queued"}')).toBe(3);
    expect(sample(text, 'authmesh_password_hashes_rescued_total')).toBe(0);
    expect(sample(text, 'authmesh_password_hashes_refused_total')).toBe(2);

    figures = { busy: 0, queued: 0, rescued: 4, refused: 5 };
    text = (await metrics.render()).body;
    expect(sample(text, 'authmesh_password_hashing_jobs{state="running"}')).toBe(0);
    expect(sample(text, 'authmesh_password_hashing_jobs{state="queued"}')).toBe(0);
    expect(sample(text, 'authmesh_password_hashes_rescued_total')).toBe(4);
    expect(sample(text, 'authmesh_password_hashes_refused_total')).toBe(5);
    // A scrape with nothing new counted leaves the counters where they are.
    text = (await metrics.render()).body;
    expect(sample(text, 'authmesh_password_hashes_refused_total')).toBe(5);
  });
});
