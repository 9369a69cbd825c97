// `npm run user:create`: the shell way to a first admin. The password is generated and shown once
// (or read from stdin, never argv); mistakes are one line and exit 1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '@/lib/server/auth/secrets';
import { closeDb, db } from '@/lib/server/db';
import { root } from './harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvs-usercreate-'));
const url = `file:${path.join(dir, 'u.db')}`;
afterAll(async () => {
  await closeDb();
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], input?: string) {
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'scripts', 'user-create.ts'), ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, LVS_SCRYPT_LOG2N: '12' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => l.trim() && !/npm warn/i.test(l)) };
}

describe('user:create', () => {
  it('creates an admin with a generated password printed once, on a database it migrates itself', async () => {
    const r = run(['--username', 'root-admin']);
    expect(r.stderr).toEqual([]);
    expect(r.status).toBe(0);
    const pw = /password \(shown once\): (\S+)/.exec(r.stdout)?.[1];
    expect(pw).toHaveLength(24);
    process.env.DATABASE_URL = url;
    await closeDb();
    const u = await (await db()).user.findUniqueOrThrow({ where: { username: 'root-admin' } });
    expect(u.role).toBe('admin');
    expect(await verifyPassword(pw!, u.passwordHash)).toBe(true);
    expect(u.passwordHash).not.toContain(pw!);
  });

  it('takes a password on stdin, refuses a taken name or a short password in one line, and resets on request', async () => {
    expect(run(['--username', 'root-admin'])).toMatchObject({ status: 1, stderr: ['user:create: user root-admin already exists (add --reset to set a new password)'] });
    expect(run(['--username', 'ops', '--role', 'operator', '--password-stdin'], 'short\n')).toMatchObject({ status: 1, stderr: ['user:create: password must be at least 12 characters'] });
    expect(run(['--username', 'ops', '--role', 'boss'])).toMatchObject({ status: 1 });
    const ok = run(['--username', 'ops', '--role', 'operator', '--password-stdin'], 'a long enough passphrase\n');
    expect(ok).toMatchObject({ status: 0, stdout: 'created operator "ops"\n' });
    const reset = run(['--username', 'ops', '--role', 'viewer', '--password-stdin', '--reset'], 'another long passphrase\n');
    expect(reset.stdout).toBe('reset viewer "ops"\n');
    await closeDb();
    const u = await (await db()).user.findUniqueOrThrow({ where: { username: 'ops' } });
    expect(u.role).toBe('viewer');
    expect(await verifyPassword('another long passphrase', u.passwordHash)).toBe(true);
  });
});
