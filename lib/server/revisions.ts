// Config as revisions: every change is a new immutable ConfigRevision on top of the one it was
// made on. Two admins never overwrite each other: a change set names its base revision, and the
// commit is a compare-and-swap on the cluster's current revision (stale base -> 409 with the
// current revision). The revision, the pointer move and the audit event commit together; then the
// hub pushes the new desired state to every agent of the cluster (in every process).
import type { z } from 'zod';
import { parseSysctlConf, sysctlsToConf } from '@/lib/ipvs/sysctls';
import { applyChanges } from '../api/changes';
import type { ChangeSet, CommitResult, ImportRequestSchema, PlanPreview, Revision, RevisionDiff, RevisionSummary } from '../api/schemas';
import { unifiedDiff } from '../api/text-diff';
import type { Cluster, ConfigRevision } from '../generated/sqlite/client';
import { diffConfigs } from '../ipvs/diff';
import { missingCheckScripts, type DirectorScripts, type MissingScript } from '../ipvs/check-scripts';
import { CapabilitiesSchema } from '../protocol/messages';
import { ListingParseError, RulesParseError } from '../ipvs/errors';
import { listingCannotCarry, parseList } from '../ipvs/listing/list';
import { configHash } from './config-hash';
import { ArchiveError, readKeepalivedArchive } from './keepalived-archive';
import { importKeepalived, toKeepalivedConf } from '../ipvs/keepalived';
import { DirectorConfigSchema, type DirectorConfig } from '../ipvs/model';
import { serviceKeyId } from '../ipvs/keys';
import { parseRules, printRules } from '../ipvs/rules';
import { audit } from './audit';
import { bus } from './bus';
import { db, type Db } from './db';
import { conflict, HttpError, notFound, unprocessable } from './errors';
import { metrics } from './metrics';
import { startRollout, type RolloutRequest } from './rollout-start';
import { buildPreview, changeSummary, predictedCuts } from './planning';
import { isConnected, revisionConfig, revisionSummary, storedConfigText } from './views';
import { PHASE_MS, yieldEvery, yieldToEventLoop } from './yield';

export type ClusterWithCurrent = Cluster & { currentRevision: ConfigRevision | null };

export interface Actor {
  actor: string;
  clientIp: string | null;
}

/** A cluster by name (or id), with its current revision; 404 otherwise. */
export async function findCluster(ref: string, prisma?: Db): Promise<ClusterWithCurrent> {
  const p = prisma ?? (await db());
  const c = (await p.cluster.findUnique({ where: { name: ref }, include: { currentRevision: true } })) ?? (await p.cluster.findUnique({ where: { id: ref }, include: { currentRevision: true } }));
  if (!c) throw notFound(`no cluster named ${ref}`);
  return c;
}

export async function findRevision(clusterId: string, clusterName: string, number: number): Promise<ConfigRevision & { parent: { number: number } | null }> {
  const prisma = await db();
  const r = await prisma.configRevision.findUnique({ where: { clusterId_number: { clusterId, number } }, include: { parent: { select: { number: true } } } });
  if (!r) throw notFound(`cluster ${clusterName} has no revision ${number}`);
  return r;
}

function current(cluster: ClusterWithCurrent): ConfigRevision {
  if (!cluster.currentRevision) throw new HttpError(500, `cluster ${cluster.name} has no revision`);
  return cluster.currentRevision;
}

/** The config a change set produces on top of its base revision. */
async function candidate(cluster: ClusterWithCurrent, cs: ChangeSet): Promise<{ base: ConfigRevision; config: DirectorConfig }> {
  const cur = current(cluster);
  const base = cs.baseRevision === cur.number ? cur : await findRevision(cluster.id, cluster.name, cs.baseRevision);
  const baseConfig = revisionConfig(base);
  const config = cs.config ?? applyChanges(baseConfig, cs.changes ?? []);
  return { base, config };
}

async function preview(cluster: ClusterWithCurrent, baseRev: ConfigRevision, config: DirectorConfig, hash?: string): Promise<PlanPreview> {
  const prisma = await db();
  const directors = await prisma.director.findMany({ where: { clusterId: cluster.id }, orderBy: { name: 'asc' } });
  return buildPreview({
    clusterName: cluster.name,
    baseRevision: baseRev.number,
    baseConfig: revisionConfig(baseRev),
    baseHash: baseRev.hash,
    currentRevision: current(cluster).number,
    config,
    hash,
    directors,
  });
}

export async function previewChangeSet(clusterRef: string, cs: ChangeSet): Promise<PlanPreview> {
  const cluster = await findCluster(clusterRef);
  const { base, config } = await candidate(cluster, cs);
  return preview(cluster, base, config);
}

export async function commitChangeSet(clusterRef: string, cs: ChangeSet, who: Actor): Promise<CommitResult> {
  const cluster = await findCluster(clusterRef);
  staleCheck(cluster, cs.baseRevision);
  const { base, config } = await candidate(cluster, cs);
  const { plan, impact } = await guardCuts(cluster, base, config, cs.confirmConnectionCuts, 'revision.commit');
  return commitConfig({
    cluster,
    baseRevision: cs.baseRevision,
    config,
    message: cs.message,
    who,
    action: 'revision.commit',
    details: { ...(cs.changes ? { changes: cs.changes.length } : { replaced: true }), impact },
    plan,
    rollout: { policy: cs.rollout },
  });
}

/**
 * Plan `config` on the base revision for every director and refuse (422, one issue per op, naming
 * director, command and count) when it cuts live connections that were not confirmed. The plan is
 * what the commit answers; `impact` is what its audit event records.
 */
async function guardCuts(cluster: ClusterWithCurrent, base: ConfigRevision, config: DirectorConfig, confirm: boolean | undefined, action: RevisionAction) {
  const hash = configHash(config);
  noopCheck(current(cluster), hash, action);
  const plan = await preview(cluster, base, config, hash);
  const cuts = predictedCuts(plan);
  const confirmed = confirm === true;
  if (cuts.total > 0 && !confirmed) {
    throw unprocessable(
      `this change cuts ${cuts.total} live connection${cuts.total === 1 ? '' : 's'}; confirm with confirmConnectionCuts: true, or drain the real servers first`,
      cuts.cuts.map((c) => ({ path: 'confirmConnectionCuts', message: `${c.director}: ${c.command} cuts ${c.connections} live connection${c.connections === 1 ? '' : 's'}` })),
    );
  }
  return { plan, impact: { confirmed, predictedCuts: cuts.total, cuts: cuts.cuts } };
}

function staleCheck(cluster: ClusterWithCurrent, baseRevision: number): void {
  const cur = current(cluster);
  if (cur.number !== baseRevision) {
    throw conflict(
      `revision ${baseRevision} is no longer current: ${cluster.name} is at revision ${cur.number} (by ${cur.author}: "${cur.message}"); review the changes again on top of it`,
      [{ path: 'baseRevision', message: `stale: the current revision is ${cur.number}` }],
      revisionSummary(cur),
    );
  }
}

function noopCheck(cur: ConfigRevision, hash: string, action: RevisionAction): void {
  if (cur.hash === hash) {
    throw unprocessable(`nothing to apply: the result equals revision ${cur.number}`, [
      { path: action === 'revision.rollback' ? 'toRevision' : action === 'revision.import' ? 'text' : 'changes', message: `the config would not change (it equals revision ${cur.number})` },
    ]);
  }
}

export type RevisionAction = 'revision.commit' | 'revision.rollback' | 'revision.import' | 'revision.adopt' | 'revision.system';

/**
 * Store `config` as the revision after `baseRevision` and make it current, atomically; 409 when
 * someone else got there first, 422 when it changes nothing. Then push it to the agents.
 */
export async function commitConfig(opts: {
  cluster: ClusterWithCurrent;
  baseRevision: number;
  config: DirectorConfig;
  message: string;
  who: Actor;
  action: RevisionAction;
  details?: Record<string, unknown>;
  /** how the revision reaches the directors: a policy (default: the cluster's) or a rollback's directors */
  rollout?: RolloutRequest;
  /** the preview already computed for this config on the base revision (saves planning it again) */
  plan?: PlanPreview;
}): Promise<CommitResult> {
  const { cluster, config } = opts;
  const prisma = await db();
  // a large config's phases let other requests in between; a small one runs straight through
  const pause = yieldEvery(PHASE_MS);
  const hash = configHash(config);
  await pause();
  // Check before the transaction too: with SQLite, statements of concurrent requests share the one
  // connection, so a transaction should roll back only on a true race.
  staleCheck(cluster, opts.baseRevision);
  noopCheck(current(cluster), hash, opts.action);
  // the work on a large config is done before the transaction, which holds SQLite's one connection
  const configText = storedConfigText(config);
  await pause();
  const summary = changeSummary(revisionConfig(current(cluster)), config);
  await pause();
  let created: ConfigRevision & { parent: { number: number } | null };
  let baseRev: ConfigRevision;
  try {
    ({ created, baseRev } = await prisma.$transaction(async (tx) => {
      // the current revision's config is not read again: after staleCheck it is the one in `cluster`
      // (same number, same cluster), and reading a large config through the engine costs seconds
      const c = await tx.cluster.findUniqueOrThrow({ where: { id: cluster.id }, include: { currentRevision: { omit: { config: true } } } });
      staleCheck(c as ClusterWithCurrent, opts.baseRevision);
      const cur = current(cluster);
      noopCheck(cur, hash, opts.action);
      const rev = await tx.configRevision.create({
        data: {
          clusterId: c.id,
          number: cur.number + 1,
          parentId: cur.id,
          author: opts.who.actor,
          message: opts.message,
          config: configText,
          hash,
          summary,
        },
        include: { parent: { select: { number: true } } },
        // the config is what we just wrote: reading a large one back through the engine costs seconds
        omit: { config: true },
      });
      const moved = await tx.cluster.updateMany({ where: { id: c.id, currentRevisionId: cur.id }, data: { currentRevisionId: rev.id } });
      if (moved.count !== 1) throw conflict(`${c.name} changed while this was being saved; review again`, [{ path: 'baseRevision', message: 'stale' }]);
      await startRollout(tx, { cluster: c, from: { number: cur.number, hash: cur.hash }, revision: rev.number, request: opts.rollout ?? {}, who: opts.who });
      await audit(tx, {
        actor: opts.who.actor,
        action: opts.action,
        cluster: { id: c.id, name: c.name },
        target: `${c.name} revision ${rev.number}`,
        beforeRevision: cur.number,
        afterRevision: rev.number,
        clientIp: opts.who.clientIp,
        details: { message: opts.message, summary: rev.summary, hash, ...opts.details },
      });
      return { created: { ...rev, config: configText }, baseRev: cur };
    }));
  } catch (e) {
    // two commits on one base: the loser hits the unique (cluster, number) index
    if ((e as { code?: string }).code === 'P2002') {
      const fresh = await findCluster(cluster.id);
      throw conflict(
        `${cluster.name} changed while this was being saved: it is now at revision ${current(fresh).number}`,
        [{ path: 'baseRevision', message: 'stale' }],
        revisionSummary(current(fresh)),
      );
    }
    throw e;
  }
  metrics.revisions.inc({ kind: opts.action.split('.')[1]! });
  await bus.publish({ k: 'revision', clusterId: cluster.id });
  const fresh = { ...cluster, currentRevision: created, currentRevisionId: created.id };
  const plan = opts.plan && opts.plan.baseRevision === baseRev.number ? { ...opts.plan, currentRevision: created.number } : await preview(fresh, baseRev, config, hash);
  // a staged rollout pushes only to its first step now: the others stay pinned to what they run
  const directors = await prisma.director.findMany({ where: { clusterId: cluster.id, revoked: false, pinnedRevision: null }, select: { connectedAt: true, lastSeenAt: true } });
  return { revision: revisionSummary(created), plan, pushedTo: directors.filter((d) => isConnected(d)).length };
}

export async function rollback(clusterRef: string, req: { toRevision: number; baseRevision: number; message?: string; confirmConnectionCuts?: boolean }, who: Actor): Promise<CommitResult> {
  const cluster = await findCluster(clusterRef);
  staleCheck(cluster, req.baseRevision);
  const target = await findRevision(cluster.id, cluster.name, req.toRevision);
  const config = revisionConfig(target);
  const { plan, impact } = await guardCuts(cluster, current(cluster), config, req.confirmConnectionCuts, 'revision.rollback');
  return commitConfig({
    cluster,
    baseRevision: req.baseRevision,
    config,
    message: req.message ?? `roll back to revision ${target.number} ("${target.message}")`,
    who,
    action: 'revision.rollback',
    details: { toRevision: target.number, impact },
    plan,
  });
}

export async function listRevisions(clusterRef: string, q: { limit: number; before?: number }): Promise<{ revisions: RevisionSummary[]; nextBefore: number | null }> {
  const cluster = await findCluster(clusterRef);
  const prisma = await db();
  const rows = await prisma.configRevision.findMany({
    where: { clusterId: cluster.id, ...(q.before ? { number: { lt: q.before } } : {}) },
    orderBy: { number: 'desc' },
    take: q.limit + 1,
    select: { number: true, hash: true, author: true, message: true, summary: true, createdAt: true, parent: { select: { number: true } } },
  });
  const page = rows.slice(0, q.limit);
  return { revisions: page.map(revisionSummary), nextBefore: rows.length > q.limit ? page[page.length - 1]!.number : null };
}

export async function getRevision(clusterRef: string, number: number): Promise<Revision> {
  const cluster = await findCluster(clusterRef);
  const r = await findRevision(cluster.id, cluster.name, number);
  return { ...revisionSummary(r), config: revisionConfig(r) };
}

export async function diffRevisions(clusterRef: string, from: number, to: number): Promise<RevisionDiff> {
  const cluster = await findCluster(clusterRef);
  const [a, b] = await Promise.all([findRevision(cluster.id, cluster.name, from), findRevision(cluster.id, cluster.name, to)]);
  const ca = revisionConfig(a);
  const cb = revisionConfig(b);
  const ra = printRules(ca);
  const rb = printRules(cb);
  return {
    from: revisionSummary(a),
    to: revisionSummary(b),
    diff: diffConfigs(ca, cb),
    rules: { from: ra, to: rb, unified: unifiedDiff(ra, rb, { from: `${cluster.name} revision ${a.number}`, to: `${cluster.name} revision ${b.number}` }) },
  };
}

// ---- import / export ------------------------------------------------------------------------

type ImportRequest = z.output<typeof ImportRequestSchema>;

type KeepalivedNotes = { files: string[]; warnings: { file: string; line: number; path: string; message: string }[] };
type ImportNotes = { keepalived?: KeepalivedNotes; listing?: { cannotCarry: string[] }; missingScripts?: MissingScript[] };

/** A keepalived import's files: pasted (the main file is `text`) or read from an archive (named by their names inside it). */
type KeepalivedInput = Pick<ImportRequest, 'files' | 'configId' | 'defines'> & { entry?: string; archive?: { name: string; names: Map<string, string> } };

/** An uploaded archive of /etc/keepalived as the main file's text and the other files (422 naming the archive's entry when it cannot be read). */
async function archiveInput(req: ImportRequest): Promise<{ text: string; ka: KeepalivedInput }> {
  const a = req.archive!;
  try {
    const r = await readKeepalivedArchive(Buffer.from(a.base64, 'base64'), a.entry);
    const entry = [...r.names].find(([, n]) => n === r.main)![0];
    const files = Object.entries(r.files).map(([path, text]) => ({ path, text }));
    return { text: r.files[entry]!, ka: { files, configId: req.configId, defines: req.defines, entry, archive: { name: a.name, names: r.names } } };
  } catch (e) {
    if (!(e instanceof ArchiveError)) throw e;
    throw unprocessable(`${a.name}: ${e.message}`, [{ path: 'archive', ...(e.entry ? { file: e.entry } : {}), message: `${a.name}${e.entry ? `: ${e.entry}` : ''}: ${e.message}` }]);
  }
}

/** Text -> config, with every bad line reported (422) rather than the first; a keepalived.conf with its included files. */
export function parseImport(format: ImportRequest['format'], text: string, ka?: KeepalivedInput, notes?: (n: ImportNotes) => void): DirectorConfig {
  // an archive's files are named as inside it
  const named = (file: string) => ka?.archive?.names.get(file) ?? file;
  const entry = ka?.entry ?? 'keepalived.conf';
  try {
    if (format === 'rules') return parseRules(text);
    if (format === 'sysctl') {
      // only the IPVS settings; keepOverlays puts them on the current config
      const r = parseSysctlConf(text);
      if (r.errors.length) throw Object.assign(new Error('bad sysctl.conf lines'), { issues: r.errors.map((e) => ({ line: e.line, message: e.message })) });
      return DirectorConfigSchema.parse({ globals: { sysctls: r.sysctls } });
    }
    if (format === 'listing') {
      const r = parseList(text);
      notes?.({ listing: { cannotCarry: listingCannotCarry(r) } });
      return r.config;
    }
    if (format === 'keepalived') {
      const files: Record<string, string> = {};
      for (const f of ka?.files ?? []) files[f.path] = f.text;
      const r = importKeepalived({ entry, files: { ...files, [entry]: text } }, { configId: ka?.configId, defines: ka?.defines });
      notes?.({ keepalived: { files: r.files.map(named), warnings: r.warnings.map((w) => ({ ...w, file: named(w.file) })) } });
      return r.config;
    }
  } catch (e) {
    const err = e as Error & { issues?: { line?: number; path?: string; message: string }[]; line?: number };
    if (e instanceof RulesParseError || e instanceof ListingParseError || (Array.isArray(err.issues) && err.issues.some((i) => typeof i.line === 'number'))) {
      const issues = ((err.issues as { line?: number; path?: string; message: string; file?: string }[]) ?? []).map((i) => ({
        path: ka?.archive ? 'archive' : i.file && i.file !== entry ? 'files' : 'text',
        line: i.line,
        ...(i.file ? { file: named(i.file) } : {}),
        message: `${i.file ? `${named(i.file)}:${i.line}` : `line ${i.line}`}: ${i.path ? `${i.path.replace(/\[(\d+)\]/g, '.$1')}: ` : ''}${i.message}`,
      }));
      throw unprocessable(
        `the ${format === 'rules' ? 'rules text' : format === 'listing' ? 'listing' : format === 'sysctl' ? 'sysctl.conf text' : (ka?.archive?.name ?? 'keepalived.conf')} has ${issues.length} bad line${issues.length === 1 ? '' : 's'}`,
        issues,
      );
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw unprocessable('the text is not valid JSON', [{ path: 'text', message: (e as Error).message }]);
  }
  // an export ({ format, cluster, revision, config }) or a bare config
  const inner = json && typeof json === 'object' && 'config' in json && !('services' in json) ? (json as { config: unknown }).config : json;
  const r = DirectorConfigSchema.safeParse(inner);
  if (!r.success)
    throw unprocessable(
      'the JSON is not a valid config',
      r.error.issues.map((i) => ({ path: ['text', ...i.path.map(String)].join('.'), message: i.message })),
    );
  return r.data;
}

/**
 * Rules text carries only what the kernel holds: keep the current health checks of services that
 * stay, and the current globals (ipvsadm-save never saves timeouts or sync daemons).
 */
export function keepOverlays(imported: DirectorConfig, currentConfig: DirectorConfig, format: ImportRequest['format']): DirectorConfig {
  if (format === 'json') return imported;
  if (format === 'sysctl') {
    // sysctl.conf lines are the whole set of desired IPVS settings; everything else stays
    const { sysctls: _old, ...globals } = currentConfig.globals;
    return { globals: { ...globals, ...(imported.globals.sysctls ? { sysctls: imported.globals.sysctls } : {}) }, services: currentConfig.services };
  }
  const hc = new Map(currentConfig.services.filter((s) => s.healthCheck).map((s) => [serviceKeyId(s), s.healthCheck]));
  let merged = 0;
  const services = imported.services.map((s) => (!s.healthCheck && hc.has(serviceKeyId(s)) && ++merged ? { ...s, healthCheck: hc.get(serviceKeyId(s)) } : s));
  const globals = format === 'rules' || format === 'listing' ? currentConfig.globals : imported.globals;
  // both halves are parsed configs already: check them together again only when they were mixed
  // (validating a large config costs hundreds of ms)
  return merged ? DirectorConfigSchema.parse({ globals, services }) : { globals, services };
}

/** The check scripts each director of the cluster reported in its facts (undefined when it has not said). */
export async function directorScripts(clusterId: string): Promise<DirectorScripts[]> {
  const prisma = await db();
  const rows = await prisma.director.findMany({ where: { clusterId, revoked: false }, select: { name: true, facts: true }, orderBy: { name: 'asc' } });
  return rows.map((d) => {
    const f = CapabilitiesSchema.safeParse(d.facts);
    return { name: d.name, scripts: f.success ? f.data.checkScripts : undefined };
  });
}

export async function importConfig(clusterRef: string, req: ImportRequest, who: Actor): Promise<{ plan: PlanPreview; revision: RevisionSummary | null; pushedTo: number } & ImportNotes> {
  const cluster = await findCluster(clusterRef);
  const cur = current(cluster);
  let notes: ImportNotes = {};
  const input = req.archive ? await archiveInput(req) : { text: req.text, ka: { files: req.files, configId: req.configId, defines: req.defines } };
  let config = parseImport(req.format, input.text, input.ka, (n) => (notes = n));
  await yieldToEventLoop();
  if (req.keepOverlays || req.format === 'sysctl') {
    config = keepOverlays(config, revisionConfig(cur), req.format);
    await yieldToEventLoop();
  }
  const missing = missingCheckScripts(config, await directorScripts(cluster.id));
  if (missing.length) notes = { ...notes, missingScripts: missing };
  if (req.dryRun) {
    const base = req.baseRevision === cur.number ? cur : await findRevision(cluster.id, cluster.name, req.baseRevision);
    return { plan: await preview(cluster, base, config), revision: null, pushedTo: 0, ...notes };
  }
  staleCheck(cluster, req.baseRevision);
  const r = await commitConfig({
    cluster,
    baseRevision: req.baseRevision,
    config,
    message: req.message,
    who,
    action: 'revision.import',
    details: { format: req.format, bytes: req.text.length, ...(req.archive ? { archive: req.archive.name, archiveBytes: Math.floor((req.archive.base64.length * 3) / 4) } : {}) },
  });
  return { plan: r.plan, revision: r.revision, pushedTo: r.pushedTo, ...notes };
}

export async function exportConfig(clusterRef: string, format: 'rules' | 'json' | 'keepalived' | 'sysctl', number?: number): Promise<{ body: string; contentType: string; filename: string }> {
  const cluster = await findCluster(clusterRef);
  const rev = number === undefined ? current(cluster) : await findRevision(cluster.id, cluster.name, number);
  const config = revisionConfig(rev);
  const base = `${cluster.name}-r${rev.number}`;
  if (format === 'rules') return { body: printRules(config), contentType: 'text/plain; charset=utf-8', filename: `${base}.rules` };
  if (format === 'keepalived') return { body: toKeepalivedConf(config), contentType: 'text/plain; charset=utf-8', filename: `${base}.keepalived.conf` };
  if (format === 'sysctl')
    return {
      body: `# IPVS settings of ${cluster.name} revision ${rev.number} (sysctl -p this file, or put it in /etc/sysctl.d/)\n${sysctlsToConf(config.globals.sysctls ?? {})}`,
      contentType: 'text/plain; charset=utf-8',
      filename: `${base}.ipvs-sysctl.conf`,
    };
  const doc = { format: 'lvs-console/config-v1', cluster: cluster.name, revision: rev.number, hash: rev.hash, createdAt: rev.createdAt.toISOString(), config };
  return { body: `${JSON.stringify(doc, null, 2)}\n`, contentType: 'application/json; charset=utf-8', filename: `${base}.json` };
}
