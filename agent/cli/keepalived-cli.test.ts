// lvs-agent rules parse|print|plan on a keepalived.conf on disk: includes resolve relative to the
// file, --config-id selects @id lines, --define sets $NAME; errors name the file and line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { processIo, registerOfflineCommands, type Io } from './offline';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-ka-'));
  fs.mkdirSync(path.join(dir, 'conf.d'));
  fs.writeFileSync(path.join(dir, 'keepalived.conf'), 'global_defs {\n    router_id lb\n}\ninclude conf.d/*.conf\n');
  fs.writeFileSync(
    path.join(dir, 'conf.d', 'web.conf'),
    'virtual_server $VIP 80 {\n    lvs_sched rr\n@lb1 real_server 10.0.1.1 80 {\n@lb1     weight 2\n@lb1 }\n@^lb1 real_server 10.0.1.9 80 {\n@^lb1 }\n}\n',
  );
  fs.writeFileSync(path.join(dir, 'bad.conf'), 'include conf.d/*.conf\ninclude broken.inc\n');
  fs.writeFileSync(path.join(dir, 'broken.inc'), '\nvirtual_server 10.0.0.9 80 {\n    lvs_sched nope\n}\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const io: Io = { ...processIo, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), setExitCode: (c) => void (code = c) };
  const program = new Command('lvs-agent').exitOverride();
  registerOfflineCommands(program, io);
  await program.parseAsync(['node', 'lvs-agent', ...args]);
  return { stdout, stderr, code };
}

describe('lvs-agent rules on keepalived.conf with includes', () => {
  it('resolves includes relative to FILE; --config-id and --define', async () => {
    const r = await cli(['rules', 'print', path.join(dir, 'keepalived.conf'), '--config-id', 'lb1', '--define', 'VIP=10.0.0.1']);
    expect(r).toMatchObject({ code: 0, stdout: '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 2\n' });
    const other = await cli(['rules', 'print', path.join(dir, 'keepalived.conf'), '--define', 'VIP=10.0.0.1']);
    expect(other.stdout).toBe('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.9:80 -m -w 1\n');
  });

  it('an error in an included file names that file and line', async () => {
    const r = await cli(['rules', 'parse', path.join(dir, 'bad.conf'), '--define', 'VIP=10.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.inc:3: services\[\d\]\.scheduler: scheduler must be one of/);
    expect((await cli(['rules', 'parse', path.join(dir, 'bad.conf'), '--define', 'oops'])).stderr).toMatch(/--define oops: expected NAME=VALUE/);
  });
});
