// keepalived's VRRP states, read without patching keepalived: its `notify` hook runs
// `lvs-agent vrrp-notify --state-dir DIR`, to which keepalived appends
// `INSTANCE|GROUP <name> <MASTER|BACKUP|FAULT|STOP|DELETED> <priority>` (argv, no shell), e.g.
//
//   vrrp_instance VI_1 {
//     notify "/usr/bin/lvs-agent vrrp-notify --state-dir /run/lvs-agent/vrrp"
//   }
//
// Each instance gets its own file, replaced atomically (write + rename), so notifications that
// keepalived runs at the same time never lose one another; `lvs-agent run --vrrp-state DIR` reads
// the directory. Chosen over the SIGUSR1 data dump (/tmp/keepalived.data), which needs the agent to
// signal keepalived and to parse a free-text format that changes between releases.
import fs from 'node:fs';
import path from 'node:path';
import { VRRP_STATES, VrrpInstanceSchema, type VrrpInstance } from '@/lib/protocol/messages';

const KINDS = { INSTANCE: 'instance', GROUP: 'group' } as const;

/** Validate keepalived's notify arguments; throws a message naming the bad one. */
export function parseNotifyArgs(args: readonly string[], now: Date): VrrpInstance | { deleted: { kind: 'instance' | 'group'; name: string } } {
  const [type, name, state, priority] = args;
  const kind = KINDS[type as keyof typeof KINDS];
  if (!kind) throw new Error(`vrrp-notify: the first argument must be INSTANCE or GROUP (keepalived's notify), not ${JSON.stringify(type ?? '')}`);
  if (!name || name.length > 100) throw new Error('vrrp-notify: the second argument must be the instance or group name (1–100 characters)');
  if (state === 'DELETED') return { deleted: { kind, name } };
  if (!(VRRP_STATES as readonly string[]).includes(state ?? '')) throw new Error(`vrrp-notify: the state must be one of ${VRRP_STATES.join(', ')} or DELETED, not ${JSON.stringify(state ?? '')}`);
  let prio: number | null = null;
  if (priority !== undefined) {
    prio = Number(priority);
    if (!/^\d{1,3}$/.test(priority) || prio > 255) throw new Error(`vrrp-notify: the priority must be 0–255, not ${JSON.stringify(priority)}`);
  }
  return VrrpInstanceSchema.parse({ name, kind, state, priority: prio, since: now.toISOString(), source: 'notify' });
}

const fileOf = (dir: string, kind: string, name: string) => path.join(dir, `${kind}-${encodeURIComponent(name)}.json`);

/** Record one notification in the state directory (created 0755 if missing). */
export function recordNotify(dir: string, args: readonly string[], now = new Date()): void {
  const parsed = parseNotifyArgs(args, now);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  if ('deleted' in parsed) {
    fs.rmSync(fileOf(dir, parsed.deleted.kind, parsed.deleted.name), { force: true });
    return;
  }
  const file = fileOf(dir, parsed.kind, parsed.name);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(parsed)}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** Every instance the directory holds, by name; a file that does not parse is reported in `errors`, never guessed at. */
export function readVrrpStateDir(dir: string): { instances: VrrpInstance[]; errors: string[] } {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { instances: [], errors: [] }; // keepalived has not notified yet
    throw e;
  }
  const instances: VrrpInstance[] = [];
  const errors: string[] = [];
  for (const n of names.sort()) {
    try {
      const r = VrrpInstanceSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')));
      if (r.success) instances.push(r.data);
      else errors.push(`${n}: ${r.error.issues[0]?.message ?? 'invalid'}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') errors.push(`${n}: ${(e as Error).message}`);
    }
  }
  return { instances, errors };
}
