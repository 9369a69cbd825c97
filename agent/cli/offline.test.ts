import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { detectFormat, registerOfflineCommands, type Io } from './offline';
import { fixture, FIXTURE_DIR } from '@/lib/ipvs/__fixtures__/load';
import { parseRules } from '@/lib/ipvs/rules';

/** Run the commands in-process with files from a map ("-" is stdin). */
async function cli(args: string[], files: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readFile: (f) => {
      if (f in files) return files[f]!;
      const e = new Error(`ENOENT: ${f}`) as NodeJS.ErrnoException;
      e.code = 'ENOENT';
      throw e;
    },
    setExitCode: (c) => void (code = c),
  };
  const program = new Command('lvs-agent').exitOverride();
  registerOfflineCommands(program, io);
  await program.parseAsync(['node', 'lvs-agent', ...args]);
  return { stdout, stderr, code };
}

const saved = fixture('076_save_all_n').stdout;

describe('lvs-agent rules parse / print / plan', () => {
  it('rules parse: rules text -> canonical JSON', async () => {
    const r = await cli(['rules', 'parse', 'saved.rules'], { 'saved.rules': saved });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(parseRules(saved));
  });

  it('rules print: JSON -> rules, byte for byte what ipvsadm-save -n printed; also keepalived.conf', async () => {
    const json = (await cli(['rules', 'parse', '-'], { '-': saved })).stdout;
    const r = await cli(['rules', 'print', 'c.json'], { 'c.json': json });
    expect(r).toEqual({ stdout: saved, stderr: '', code: 0 });
    const k = await cli(['rules', 'print', '--format', 'keepalived', 'c.json'], { 'c.json': json });
    expect(k.stdout).toContain('virtual_server fwmark 3 {');
    // and the keepalived.conf reads back to the same rules
    expect((await cli(['rules', 'print', 'k.conf'], { 'k.conf': k.stdout })).stdout).toBe(saved);
    // an exported revision ({ config: ... }) works too
    expect((await cli(['rules', 'print', 'rev.json'], { 'rev.json': JSON.stringify({ revision: 3, config: JSON.parse(json) }) })).stdout).toBe(saved);
  });

  it('plan: ops as ipvsadm command lines, or JSON; summary on stderr', async () => {
    const desired = saved.replace('-a -t 10.0.0.1:80 -r 192.168.10.12:80 -g -w 0', '-a -t 10.0.0.1:80 -r 192.168.10.12:80 -g -w 5').replace('-A -t 10.0.1.1:8013 -s mh\n', '');
    const r = await cli(['rules', 'plan', '--desired', 'd.rules', '--actual', 'a.rules'], { 'd.rules': desired, 'a.rules': saved });
    expect(r.stdout).toBe('ipvsadm -e -t 10.0.0.1:80 -r 192.168.10.12:80 -g -w 5\nipvsadm -D -t 10.0.1.1:8013\n');
    expect(r.stderr).toBe('1 service removed, 1 real server back in service\n');
    const j = await cli(['plan', '--desired', 'd.rules', '--actual', 'a.rules', '--json'], { 'd.rules': desired, 'a.rules': saved });
    expect(JSON.parse(j.stdout).map((o: { op: string }) => o.op)).toEqual(['edit-server', 'delete-service']);
    expect((await cli(['plan', '--desired', 'a.rules', '--actual', 'a.rules'], { 'a.rules': saved })).stderr).toBe('in sync: nothing to do\n');
  });

  it('bad input: exit 2 with the file, line or field, and the rule', async () => {
    const bad = await cli(['rules', 'parse', 'bad.rules'], { 'bad.rules': '-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1 -w 99999999999\n' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('error: bad.rules:\n  line 2: weight: illegal weight specified — weight must be a whole number 0–2147483647, got "99999999999"\n');
    const json = await cli(['rules', 'print', 'x.json'], { 'x.json': '{"services":[{"protocol":"tcp","address":"10.0.0.1","port":80,"realServers":[{"address":"10.0.1.1","weight":-1}]}]}' });
    expect(json.code).toBe(2);
    expect(json.stderr).toBe('error: x.json:\n  services[0].realServers[0].weight: weight must be 0–2147483647\n');
    expect((await cli(['rules', 'print', 'x.json'], { 'x.json': '{"services": [' })).stderr).toMatch(/^error: x\.json: not valid JSON/);
    const missing = await cli(['rules', 'parse', 'nope.rules']);
    expect(missing).toMatchObject({ code: 2, stderr: 'error: cannot read nope.rules: no such file\n' });
    expect((await cli(['rules', 'parse', 'names.rules'], { 'names.rules': fixture('025_save_script_names').stdout })).stderr).toContain(
      'line 1: service-address: illegal virtual server address[:port] specified — "http" is a service name',
    );
  });

  it('detects the format of a file', () => {
    expect(detectFormat('# rules\n{"services":[]}')).toBe('json');
    expect(detectFormat('! keepalived\nvirtual_server 10.0.0.1 80 {\n}\n')).toBe('keepalived');
    expect(detectFormat(saved)).toBe('rules');
  });
});

describe('the real process', () => {
  // the shipped binary, so its usage errors are held to the same exit code as bad input
  const bin = path.resolve(import.meta.dirname, '../bin/lvs-agent.mjs');
  const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, timeout: 60_000 });

  it('exit 0 and the bytes of ipvsadm-save -n through stdin and stdout', () => {
    const p = run(['rules', 'parse', path.join(FIXTURE_DIR, 'raw', '150_save_before_clear.stdout')]);
    expect(p.status).toBe(0);
    const back = run(['rules', 'print', '-'], p.stdout);
    expect(back.status).toBe(0);
    expect(back.stdout).toBe(fixture('150_save_before_clear').stdout);
  });

  it('exit 2 with a clear message on bad input and on bad usage', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-offline-'));
    const f = path.join(dir, 'bad.rules');
    fs.writeFileSync(f, '-A -t 10.0.0.1:80 -s nosuch\n');
    const p = run(['rules', 'parse', f]);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('line 1: scheduler: Scheduler or persistence engine not found — the kernel has no scheduler "nosuch"');
    const usage = run(['rules', 'plan', '--desired', f]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("error: required option '--actual <file>' not specified");
    expect(run(['no-such-command']).status).toBe(2);
    expect(run(['plan', '--desired', f, '--actual', f, '--no-such-flag']).status).toBe(2);
    fs.rmSync(dir, { recursive: true });
  });
});
