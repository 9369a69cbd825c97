// A tar built entry by entry in memory (tar-stream's pack): what a hand-made or hostile archive of
// /etc/keepalived can hold, for the archive import's tests.
import { pack, type Headers } from 'tar-stream';

export async function tarOf(entries: (Headers & { body?: string })[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => p.on('end', r));
  for (const { body, ...h } of entries) await new Promise<void>((res, rej) => p.entry(h, body ?? '', (e) => (e ? rej(e) : res())));
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
