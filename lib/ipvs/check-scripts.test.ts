import { describe, expect, it } from 'vitest';
import { DirectorConfigSchema } from './model';
import { missingCheckScripts, missingScriptText } from './check-scripts';

const config = DirectorConfigSchema.parse({
  services: [
    {
      protocol: 'tcp',
      address: '10.0.0.1',
      port: 5432,
      healthCheck: { type: 'misc', script: 'check_pg.sh' },
      realServers: [{ address: '10.0.1.1' }, { address: '10.0.1.2', healthCheck: { type: 'misc', script: 'check_replica.sh' } }, { address: '10.0.1.3', healthCheck: { type: 'tcp' } }],
    },
  ],
});

describe('check scripts a config needs against those directors report', () => {
  it('names each script, where it is used, and the directors that lack it', () => {
    const missing = missingCheckScripts(config, [
      { name: 'lb1', scripts: ['check_pg.sh', 'check_replica.sh'] },
      { name: 'lb2', scripts: ['check_pg.sh'] },
      { name: 'lb3', scripts: [] },
    ]);
    expect(missing).toEqual([
      { service: 'tcp|10.0.0.1|5432', where: 'the service', script: 'check_pg.sh', directors: ['lb3'] },
      { service: 'tcp|10.0.0.1|5432', server: '10.0.1.2|5432', where: '10.0.1.2:5432', script: 'check_replica.sh', directors: ['lb2', 'lb3'] },
    ]);
    expect(missingScriptText(missing[1]!)).toBe('lb2, lb3 have no check script check_replica.sh in their checks directory: the MISC_CHECK of 10.0.1.2:5432 will fail there until it is installed');
  });

  it('a director that has not reported its scripts (an older agent) is not counted as lacking them', () => {
    expect(missingCheckScripts(config, [{ name: 'old' }])).toEqual([]);
    expect(missingCheckScripts(config, [{ name: 'old' }, { name: 'lb1', scripts: ['check_pg.sh', 'check_replica.sh'] }])).toEqual([]);
  });
});
