// The first start: an admin, a demo cluster with a useful first revision and two simulated
// directors (sim-1, sim-2) whose tokens are written (mode 0600) for the embedded agents. Idempotent: run on every
// `npm start`; it never overwrites an admin's password, a cluster's history or a live token.
import fs from 'node:fs';
import path from 'node:path';
import { storedConfigText } from './views';
import { configHash } from './config-hash';
import { DirectorConfigSchema, type DirectorConfigInput } from '../ipvs/model';
import { audit } from './audit';
import { generatePassword, hashPassword, newToken, tokenHash, tokenPrefix } from './auth/secrets';
import { db } from './db';

export const DEMO_CLUSTER = 'demo';
export const DEMO_DIRECTOR = 'sim-1';
/** The demo's second simulated director: the backup on the simulated VRRP segment (sim-1 holds the VIPs). */
export const DEMO_BACKUP_DIRECTOR = 'sim-2';
/** The demo cluster's simulated directors (two, so staged rollouts and failover have somewhere to go); the first is DEMO_DIRECTOR. */
export const DEMO_DIRECTORS = [DEMO_DIRECTOR, DEMO_BACKUP_DIRECTOR] as const;
export const ADMIN_USERNAME = 'admin';

/** A small but real-looking cluster: web (wrr, NAT to :8080, HTTP health check), TLS with persistence, DNS (one-packet), a fwmark group. */
export const DEMO_CONFIG: DirectorConfigInput = {
  services: [
    {
      protocol: 'tcp',
      address: '192.0.2.10',
      port: 80,
      scheduler: 'wrr',
      healthCheck: { type: 'http', path: '/healthz', interval: 5, timeout: 2, rise: 2, fall: 3, onFailure: 'quiesce' },
      realServers: [
        { address: '10.0.1.11', port: 8080, forwarding: 'masq', weight: 100 },
        { address: '10.0.1.12', port: 8080, forwarding: 'masq', weight: 100 },
        { address: '10.0.1.13', port: 8080, forwarding: 'masq', weight: 50 },
      ],
    },
    {
      protocol: 'tcp',
      address: '192.0.2.10',
      port: 443,
      scheduler: 'wlc',
      persistence: { timeout: 1800 },
      healthCheck: { type: 'tcp', interval: 5, timeout: 2, rise: 2, fall: 3, onFailure: 'quiesce' },
      realServers: [
        { address: '10.0.1.11', forwarding: 'route', weight: 1 },
        { address: '10.0.1.12', forwarding: 'route', weight: 1 },
        { address: '10.0.1.13', forwarding: 'route', weight: 1 },
      ],
    },
    {
      protocol: 'udp',
      address: '192.0.2.53',
      port: 53,
      scheduler: 'rr',
      onePacket: true,
      realServers: [
        { address: '10.0.2.21', forwarding: 'route', weight: 1 },
        { address: '10.0.2.22', forwarding: 'route', weight: 1 },
      ],
    },
    {
      protocol: 'fwmark',
      fwmark: 100,
      family: 'inet',
      scheduler: 'sh',
      schedFlags: ['sh-port'],
      realServers: [
        { address: '10.0.3.31', forwarding: 'route', weight: 1 },
        { address: '10.0.3.32', forwarding: 'route', weight: 1 },
      ],
    },
  ],
};

export interface SeedResult {
  adminUsername: string;
  /** set only when it was generated now: print it once */
  adminPassword: string | null;
  agentToken: string;
  tokenFile?: string;
  /** every demo director's agent: name, token and its file (the first is agentToken/tokenFile) */
  agents: { name: string; token: string; tokenFile: string }[];
}

/** sim-1 keeps the given file; each other demo director gets one beside it (demo-agent.token → demo-agent-sim-2.token). */
export function demoTokenFile(first: string, name: string): string {
  if (name === DEMO_DIRECTOR) return first;
  const ext = path.extname(first);
  return path.join(path.dirname(first), `${path.basename(first, ext)}-${name}${ext}`);
}

export async function seedDemo(opts: { adminPassword?: string; tokenFile?: string } = {}): Promise<SeedResult> {
  const prisma = await db();
  const system = { actor: 'system', clientIp: null };
  let generated: string | null = null;

  if ((await prisma.user.count()) === 0) {
    const fromEnv = opts.adminPassword?.length ? opts.adminPassword : undefined;
    if (fromEnv !== undefined && fromEnv.length < 12) throw new Error('LVS_ADMIN_PASSWORD must be at least 12 characters');
    const password = fromEnv ?? (generated = generatePassword());
    const passwordHash = await hashPassword(password);
    await prisma.$transaction(async (tx) => {
      await tx.user.create({ data: { username: ADMIN_USERNAME, passwordHash, role: 'admin' } });
      await audit(tx, { ...system, action: 'user.create', target: ADMIN_USERNAME, details: { role: 'admin', source: fromEnv ? 'LVS_ADMIN_PASSWORD' : 'generated at first start' } });
    });
  }

  let cluster = await prisma.cluster.findUnique({ where: { name: DEMO_CLUSTER } });
  if (!cluster) {
    const config = DirectorConfigSchema.parse(DEMO_CONFIG);
    cluster = await prisma.$transaction(async (tx) => {
      const c = await tx.cluster.create({ data: { name: DEMO_CLUSTER, description: 'Demo cluster served by the embedded simulated director', driftPolicy: 'enforce' } });
      const rev = await tx.configRevision.create({
        data: {
          clusterId: c.id,
          number: 1,
          author: 'system',
          message: 'demo: web, TLS with persistence, DNS and a fwmark group',
          config: storedConfigText(config),
          hash: configHash(config),
          summary: `${config.services.length} services`,
        },
      });
      await audit(tx, { ...system, action: 'cluster.create', cluster: { id: c.id, name: c.name }, target: c.name, afterRevision: 1, details: { demo: true } });
      return tx.cluster.update({ where: { id: c.id }, data: { currentRevisionId: rev.id } });
    });
  }

  const tokenFile = opts.tokenFile ?? path.resolve(process.cwd(), 'data', 'demo-agent.token');
  const agents: SeedResult['agents'] = [];
  for (const name of DEMO_DIRECTORS) agents.push({ name, tokenFile: demoTokenFile(tokenFile, name), token: await seedDirector(cluster, name, demoTokenFile(tokenFile, name)) });
  return { adminUsername: ADMIN_USERNAME, adminPassword: generated, agentToken: agents[0]!.token, tokenFile, agents };
}

/** A demo director whose token is in `tokenFile` (mode 0600): kept when it still matches, else (re)issued. */
async function seedDirector(cluster: { id: string; name: string }, name: string, tokenFile: string): Promise<string> {
  const prisma = await db();
  const system = { actor: 'system', clientIp: null };
  const director = await prisma.director.findUnique({ where: { clusterId_name: { clusterId: cluster.id, name } } });
  const existing = readToken(tokenFile);
  if (director && existing && tokenHash(existing) === director.tokenHash && !director.revoked) return existing;
  const agentToken = newToken('director');
  const data = { tokenHash: tokenHash(agentToken), tokenPrefix: tokenPrefix(agentToken), revoked: false };
  await prisma.$transaction(async (tx) => {
    if (director) await tx.director.update({ where: { id: director.id }, data });
    else await tx.director.create({ data: { clusterId: cluster.id, name, ...data } });
    await audit(tx, {
      ...system,
      action: director ? 'director.rotate' : 'director.register',
      cluster: { id: cluster.id, name: cluster.name },
      target: `${cluster.name}/${name}`,
      details: { tokenPrefix: data.tokenPrefix, tokenFile },
    });
  });
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
  fs.writeFileSync(tokenFile, `${agentToken}\n`, { mode: 0o600 });
  fs.chmodSync(tokenFile, 0o600);
  return agentToken;
}

function readToken(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}
