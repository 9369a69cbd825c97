import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectorConfigSchema } from '../lib/ipvs/model';
import { configHash } from '../lib/ipvs/hash';
import { EMPTY_STATE, StateStore } from './state-store';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-state-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('StateStore', () => {
  it('starts empty, round-trips a saved state, leaves no temp files', () => {
    const dir = tmp();
    const store = new StateStore(path.join(dir, 'nested'));
    expect(store.load()).toEqual(EMPTY_STATE);
    const config = DirectorConfigSchema.parse({ services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, realServers: [{ address: '10.0.1.1' }] }] });
    const rev = { cluster: 'c', revision: 3, hash: configHash(config), createdAt: new Date(0).toISOString(), driftPolicy: 'enforce' as const, config };
    const state = { version: 1 as const, desired: rev, acked: { revision: 3, hash: rev.hash, applied: config, at: new Date(0).toISOString() }, health: [] };
    store.save(state);
    expect(new StateStore(path.join(dir, 'nested')).load()).toEqual(state);
    expect(fs.readdirSync(path.join(dir, 'nested'))).toEqual(['state.json']);
  });

  it('refuses a corrupt file with a message naming the file', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'state.json'), '{"version":1,"desired":null,"acked":{"revision":"x"}}');
    expect(() => new StateStore(dir).load()).toThrow(/state\.json: acked\.revision/);
    fs.writeFileSync(path.join(dir, 'state.json'), '{oops');
    expect(() => new StateStore(dir).load()).toThrow(/not valid JSON/);
  });
});
