import { expect } from 'chai';
import { balanceWrites, leastSquares, type LoggedRequest, mulberry32, parseDuration, percentile, tallyWrites } from '../../../bench/soak-stats.js';
import type { RequestLogEntry } from '../../../src/simulator/state.js';

describe('soak benchmark helpers', () => {
  it('parseDuration reads h, m, s, ms and their sums; a bare number is minutes', () => {
    expect(parseDuration('60m')).to.equal(3_600_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('90s')).to.equal(90_000);
    expect(parseDuration('1.5m')).to.equal(90_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('5')).to.equal(300_000);
    for (const bad of ['', 'm', '5x', '-5m', '0m', '1h 30m']) expect(() => parseDuration(bad), bad).to.throw(TypeError);
  });

  it('leastSquares fits the slope and intercept, NaN without two distinct x', () => {
    const fit = leastSquares([0, 1, 2, 3, 4].map((x) => ({ x, y: 100 + 0.5 * x })));
    expect(fit.slope).to.be.closeTo(0.5, 1e-12);
    expect(fit.intercept).to.be.closeTo(100, 1e-12);
    expect(fit.n).to.equal(5);
    // Noise around a flat line: slope near 0.
    expect(leastSquares([{ x: 0, y: 10 }, { x: 1, y: 12 }, { x: 2, y: 10 }, { x: 3, y: 12 }, { x: 4, y: 10 }]).slope).to.be.closeTo(-0.0, 1e-12);
    expect(leastSquares([{ x: 1, y: 1 }, { x: 1, y: 2 }]).slope).to.be.NaN;
    expect(leastSquares([]).slope).to.be.NaN;
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.5)).to.equal(3);
    expect(percentile([5, 1, 3, 2, 4], 0.99)).to.equal(5);
    expect(percentile([5, 1, 3, 2, 4], 0)).to.equal(1);
    expect(percentile([], 0.5)).to.be.NaN;
  });

  it('mulberry32 repeats for a seed and stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).to.deep.equal(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).to.equal(true);
  });

  describe('tallyWrites and balanceWrites', () => {
    const entry = (method: string, path: string, status: number, body?: unknown, time = '2026-01-01T00:00:00.000Z'): RequestLogEntry => ({ time, method, path, query: '', status, ...(body === undefined ? {} : { body }) });
    const svms = new Map([['0/u1', 'svm-1'], ['0/u2', 'svm-2'], ['1/u1', 'svm-9']]);
    const svmOf = (c: number, uuid: string): string | undefined => svms.get(`${c}/${uuid}`);
    const isOurs = (e: RequestLogEntry): boolean => (e.body as { region?: string } | undefined)?.region?.startsWith('oob-') === true;

    it('counts POST by its body, PATCH and DELETE by uuid, per cluster; leaves out GETs, rekeys and the bench own writes', () => {
      const log: LoggedRequest[] = [
        { cluster: 0, entry: entry('POST', '/api/security/aws-kms', 201, { svm: { name: 'spare-1' } }) },
        { cluster: 0, entry: entry('PATCH', '/api/security/aws-kms/u1', 200, { region: 'us-east-1' }) },
        { cluster: 0, entry: entry('PATCH', '/api/security/aws-kms/u1', 500, { region: 'us-east-1' }) },
        { cluster: 0, entry: entry('PATCH', '/api/security/aws-kms/u1', 0, { region: 'us-east-1' }) },
        { cluster: 0, entry: entry('PATCH', '/api/security/aws-kms/u1', 200, { region: 'oob-1' }) },
        { cluster: 0, entry: entry('GET', '/api/security/aws-kms/u1', 200) },
        { cluster: 0, entry: entry('POST', '/api/security/aws-kms/u2/rekey-external', 202, { key_id: 'k' }) },
        { cluster: 0, entry: entry('DELETE', '/api/security/aws-kms/u2', 200) },
        { cluster: 1, entry: entry('PATCH', '/api/security/aws-kms/u1', 200, { access_key_id: 'A' }) },
        { cluster: 1, entry: entry('PATCH', '/api/security/aws-kms/u7', 200, { access_key_id: 'A' }) },
      ];
      const tally = tallyWrites(log, svmOf, isOurs);
      expect([...tally.keys()].sort()).to.deep.equal(['0/spare-1', '0/svm-1', '0/svm-2', '1/?u7', '1/svm-9']);
      expect(tally.get('0/svm-1')).to.include({ ok: 1, failed: 2 });
      expect(tally.get('0/spare-1')).to.include({ ok: 1, failed: 0 });
      expect(tally.get('0/svm-2')).to.include({ ok: 1, failed: 0 });
    });

    it('balances writes against one per disturbance: duplicates beyond, missing below', () => {
      const log: LoggedRequest[] = [
        { cluster: 0, entry: entry('PATCH', '/api/security/aws-kms/u1', 200, { region: 'us-east-1' }, 't1') },
        { cluster: 0, entry: entry('PATCH', '/api/security/aws-kms/u1', 200, { region: 'us-east-1' }, 't2') },
        { cluster: 0, entry: entry('PATCH', '/api/security/aws-kms/u1', 500, { region: 'us-east-1' }, 't3') },
        { cluster: 1, entry: entry('PATCH', '/api/security/aws-kms/u1', 200, { access_key_id: 'A' }, 't4') },
      ];
      const b = balanceWrites(
        new Map([
          ['0/svm-1', 1],
          ['1/svm-9', 1],
          ['0/svm-2', 2],
        ]),
        tallyWrites(log, svmOf, isOurs),
      );
      expect(b).to.include({ expected: 4, ok: 3, duplicates: 1, missing: 2, failed: 1 });
      expect(b.extra).to.deep.equal([{ key: '0/svm-1', expected: 1, ok: 2, writes: [{ time: 't1', what: 'PATCH region' }, { time: 't2', what: 'PATCH region' }] }]);
    });
  });
});
