// MISC_CHECK scripts a config needs against the ones each director reports having (its agent lists
// the executables of its --checks-dir in its hello). A script a director lacks fails the check of
// every server that names it there, so the import preview and the service page say so first.
import { z } from 'zod';
import type { DirectorConfig } from './model';
import { realServerKeyId, serviceKeyId } from './keys';
import { formatHostPort } from './addr';

/** A director and the script names it reported; `scripts` undefined = it has not said (older agent, never connected). */
export type DirectorScripts = { name: string; scripts?: readonly string[] };

export const MissingScriptSchema = z.object({
  /** serviceKeyId of the service whose check (or one of its servers' checks) names the script */
  service: z.string(),
  /** realServerKeyId when the script is a real server's own check; absent for the service's check */
  server: z.string().optional(),
  /** where a person reads it: "10.0.1.1:80" or "the service" */
  where: z.string(),
  script: z.string(),
  /** the directors that reported their scripts without this one */
  directors: z.array(z.string()),
});
export type MissingScript = z.output<typeof MissingScriptSchema>;

/** Every MISC_CHECK of `config` whose script some director reported not having. */
export function missingCheckScripts(config: Pick<DirectorConfig, 'services'>, directors: readonly DirectorScripts[]): MissingScript[] {
  const known = directors.filter((d): d is Required<DirectorScripts> => d.scripts !== undefined);
  if (!known.length) return [];
  const out: MissingScript[] = [];
  const need = (service: string, server: { id: string; label: string } | undefined, script: string | undefined) => {
    if (script === undefined) return;
    const lacking = known.filter((d) => !d.scripts.includes(script)).map((d) => d.name);
    if (lacking.length) out.push({ service, ...(server ? { server: server.id } : {}), where: server?.label ?? 'the service', script, directors: lacking });
  };
  for (const s of config.services) {
    const service = serviceKeyId(s);
    if (s.healthCheck?.type === 'misc') need(service, undefined, s.healthCheck.script);
    for (const r of s.realServers)
      if (r.healthCheck?.type === 'misc') need(service, { id: realServerKeyId(r), label: formatHostPort(r.address, r.port ?? ('port' in s ? s.port : 0)) }, r.healthCheck.script);
  }
  return out;
}

/** One sentence for a missing script, as the UI shows it. */
export function missingScriptText(m: MissingScript): string {
  return `${m.directors.join(', ')} ${m.directors.length === 1 ? 'has' : 'have'} no check script ${m.script} in ${m.directors.length === 1 ? 'its' : 'their'} checks directory: the MISC_CHECK of ${m.where} will fail there until it is installed`;
}
