import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  chainEntry,
  GENESIS_HASH,
  sha256,
  verifyChain,
  type AuditEntry,
} from '../../../functions/core/audit/chain.ts';
import { without } from '../helpers.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level and adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"e":1,"f":2}]},"b":1}');
  });

  it('is independent of key insertion order', () => {
    const one = { actor: 'slack:U0CTO000001', data: { plan: { targets: ['i-1', 'i-2'], rate: { max: 10, errors: 1 } } }, seq: 3 };
    const two = { seq: 3, data: { plan: { rate: { errors: 1, max: 10 }, targets: ['i-1', 'i-2'] } }, actor: 'slack:U0CTO000001' };
    expect(canonicalJson(two)).toBe(canonicalJson(one));
  });

  it('keeps array order (it is meaningful)', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson([{ b: 1, a: 2 }, []])).toBe('[{"a":2,"b":1},[]]');
  });

  it('drops undefined object values like JSON.stringify, and writes undefined array items as null', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson([1, undefined])).toBe('[1,null]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('writes primitives as JSON does, escaping strings', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(-1.5)).toBe('-1.5');
    expect(canonicalJson('quote " and \n newline <!channel>')).toBe(JSON.stringify('quote " and \n newline <!channel>'));
    expect(canonicalJson({ 'we"ird': 1 })).toBe('{"we\\"ird":1}');
  });

  it('round-trips to an equal value', () => {
    const value = { z: [1, 'two', { three: null }], a: { nested: { deeper: [true, false] } } };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it.each([NaN, Infinity, -Infinity])('rejects the non-finite number %s, even nested', (n) => {
    expect(() => canonicalJson(n)).toThrow(TypeError);
    expect(() => canonicalJson({ a: { b: [1, n] } })).toThrow(/non-finite/);
  });
});

describe('chainEntry', () => {
  const fields = {
    incidentId: 'INC-0123456789',
    seq: 1,
    at: '2026-03-01T10:00:00.000Z',
    actor: 'system:ingest',
    action: 'incident.opened',
    data: { severity: 'SEV2', category: 'security' },
    prevHash: GENESIS_HASH,
  };

  it('hashes the canonical JSON of every field with SHA-256', () => {
    const entry = chainEntry(fields);
    expect(entry).toMatchObject(fields);
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.hash).toBe(createHash('sha256').update(canonicalJson(fields)).digest('hex'));
    expect(entry.hash).toBe(sha256(canonicalJson(fields)));
  });

  it('does not depend on the order data was built in', () => {
    expect(chainEntry({ ...fields, data: { category: 'security', severity: 'SEV2' } }).hash).toBe(chainEntry(fields).hash);
  });

  it.each([
    ['incidentId', { incidentId: 'INC-9999999999' }],
    ['seq', { seq: 2 }],
    ['at', { at: '2026-03-01T10:00:00.001Z' }],
    ['actor', { actor: 'slack:U0CTO000001' }],
    ['action', { action: 'incident.closed' }],
    ['data', { data: { severity: 'SEV1', category: 'security' } }],
    ['prevHash', { prevHash: 'f'.repeat(64) }],
  ])('changes when %s changes', (_field, change) => {
    expect(chainEntry({ ...fields, ...change }).hash).not.toBe(chainEntry(fields).hash);
  });

  it('GENESIS_HASH is 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });
});

describe('verifyChain', () => {
  /** A valid chain of n entries for one incident. */
  function chain(n: number): AuditEntry[] {
    const entries: AuditEntry[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= n; seq++) {
      const entry = chainEntry({
        incidentId: 'INC-0123456789',
        seq,
        at: `2026-03-01T10:0${seq}:00.000Z`,
        actor: seq === 1 ? 'system:ingest' : 'slack:U0CTO000001',
        action: `action.${seq}`,
        data: { step: seq, detail: { note: `entry ${seq}` } },
        prevHash,
      });
      entries.push(entry);
      prevHash = entry.hash;
    }
    return entries;
  }

  /** A copy of the chain with entry `index` replaced. */
  function tampered(entries: AuditEntry[], index: number, patch: Partial<AuditEntry>): AuditEntry[] {
    return entries.map((e, i) => (i === index ? { ...e, ...patch } : e));
  }

  function broken(entries: AuditEntry[]) {
    const verdict = verifyChain(entries);
    if (verdict.valid) throw new Error('expected an invalid chain');
    return verdict;
  }

  it('accepts an untouched chain, and an empty one', () => {
    expect(verifyChain(chain(4))).toEqual({ valid: true, length: 4 });
    expect(verifyChain([])).toEqual({ valid: true, length: 0 });
  });

  it('detects edited data at the edited entry', () => {
    const entries = chain(4);
    const verdict = broken(tampered(entries, 2, { data: { step: 3, detail: { note: 'rewritten' } } }));
    expect(verdict).toMatchObject({ brokenAt: 3, length: 4 });
    expect(verdict.reason).toMatch(/hash/);
  });

  it('detects an edited actor, time, action and incident id', () => {
    const entries = chain(3);
    expect(broken(tampered(entries, 0, { actor: 'slack:U0SENIOR001' })).brokenAt).toBe(1);
    expect(broken(tampered(entries, 1, { at: '2030-01-01T00:00:00.000Z' })).brokenAt).toBe(2);
    expect(broken(tampered(entries, 2, { action: 'mitigation.approved' })).brokenAt).toBe(3);
    expect(broken(tampered(entries, 1, { incidentId: 'INC-OTHER00000' })).brokenAt).toBe(2);
  });

  it('detects a forged hash field', () => {
    const entries = chain(3);
    expect(broken(tampered(entries, 1, { hash: 'a'.repeat(64) })).brokenAt).toBe(2);
  });

  it('detects an entry rewritten with a recomputed hash at the next entry', () => {
    const entries = chain(3);
    const second = without(entries[1]!, 'hash');
    const rewritten = chainEntry({ ...second, data: { step: 2, detail: { note: 'approved by nobody' } } });
    const verdict = broken(tampered(entries, 1, rewritten));
    expect(verdict.brokenAt).toBe(3);
    expect(verdict.reason).toMatch(/prevHash/);
  });

  it('detects a changed prevHash, even with its hash recomputed', () => {
    const entries = chain(3);
    expect(broken(tampered(entries, 1, { prevHash: GENESIS_HASH })).brokenAt).toBe(2);
    const second = without(entries[1]!, 'hash');
    const relinked = chainEntry({ ...second, prevHash: GENESIS_HASH });
    const verdict = broken(tampered(entries, 1, relinked));
    expect(verdict.brokenAt).toBe(2);
    expect(verdict.reason).toMatch(/prevHash/);
  });

  it('detects a changed seq', () => {
    const entries = chain(3);
    const verdict = broken(tampered(entries, 1, { seq: 5 }));
    expect(verdict.reason).toMatch(/expected entry 2/);
    // Reported by position, not by the (tampered) seq.
    expect(verdict.brokenAt).toBe(2);
  });

  it('detects a deleted entry at the first entry out of place', () => {
    const entries = chain(4);
    const withoutSecond = [entries[0]!, entries[2]!, entries[3]!];
    expect(broken(withoutSecond)).toMatchObject({ brokenAt: 2, length: 3 });
    expect(broken(entries.slice(1))).toMatchObject({ brokenAt: 1 });
  });

  it('detects reordered entries', () => {
    const entries = chain(4);
    const swapped = [entries[0]!, entries[2]!, entries[1]!, entries[3]!];
    expect(broken(swapped).brokenAt).toBe(2);
  });

  it('detects entries renumbered after a deletion through the back-link', () => {
    const entries = chain(3);
    const third = without(entries[2]!, 'hash');
    const renumbered = chainEntry({ ...third, seq: 2 });
    const verdict = broken([entries[0]!, renumbered]);
    expect(verdict.brokenAt).toBe(2);
    expect(verdict.reason).toMatch(/prevHash/);
  });

  it('cannot see a truncated tail on its own, but does against the head the incident records', () => {
    const entries = chain(3);
    const truncated = entries.slice(0, 2);
    expect(verifyChain(truncated)).toEqual({ valid: true, length: 2 });
    const head = { seq: 3, hash: entries.at(-1)!.hash };
    expect(verifyChain(entries, head)).toEqual({ valid: true, length: 3 });
    expect(verifyChain(truncated, head)).toMatchObject({ valid: false, brokenAt: 3, reason: expect.stringMatching(/head/) });
  });
});
