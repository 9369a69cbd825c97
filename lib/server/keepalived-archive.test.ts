// Archives of /etc/keepalived as people make them (tar -czf of the directory, from / or from /etc),
// and the ones that must be refused before anything is read: names that climb out, links out,
// too many entries, a gzip bomb, no or several main files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tarOf } from '@/test/tar';
import { ArchiveError, ARCHIVE_LIMITS, readKeepalivedArchive } from './keepalived-archive';

const MAIN = 'global_defs {\n  router_id LB1\n}\ninclude conf.d/*.conf\n';
const WEB = 'virtual_server 10.0.0.7 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.0.1.1 80 {\n    weight 1\n  }\n}\n';

async function refusal(data: Buffer, entry?: string): Promise<ArchiveError> {
  const e = await readKeepalivedArchive(data, entry).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ArchiveError);
  return e as ArchiveError;
}

describe('a keepalived archive', () => {
  it('tar -czf of /etc/keepalived (made by the system tar): the main file and its includes by their paths under it', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-tar-'));
    try {
      const etc = path.join(tmp, 'etc', 'keepalived');
      fs.mkdirSync(path.join(etc, 'conf.d'), { recursive: true });
      fs.writeFileSync(path.join(etc, 'keepalived.conf'), MAIN);
      fs.writeFileSync(path.join(etc, 'conf.d', 'web.conf'), WEB);
      fs.writeFileSync(path.join(etc, 'conf.d', 'web.conf.orig'), 'old\n');
      fs.symlinkSync('web.conf', path.join(etc, 'conf.d', 'current.conf'));
      const tgz = path.join(tmp, 'keepalived.tar.gz');
      // as from /: entries etc/keepalived/...
      execFileSync('tar', ['-C', tmp, '-czf', tgz, 'etc/keepalived']);
      const fromRoot = await readKeepalivedArchive(fs.readFileSync(tgz));
      expect(fromRoot.main).toBe('etc/keepalived/keepalived.conf');
      expect(fromRoot.files['keepalived.conf']).toBe(MAIN);
      expect(fromRoot.files['conf.d/web.conf']).toBe(WEB);
      expect(fromRoot.files['conf.d/current.conf']).toBe(WEB);
      expect(fromRoot.names.get('conf.d/web.conf')).toBe('etc/keepalived/conf.d/web.conf');
      // as from inside: entries ./keepalived.conf, ./conf.d/...
      execFileSync('tar', ['-C', etc, '-cf', tgz, '.']);
      const fromInside = await readKeepalivedArchive(fs.readFileSync(tgz));
      expect(fromInside.main).toBe('keepalived.conf');
      expect(Object.keys(fromInside.files).sort()).toEqual(['conf.d/current.conf', 'conf.d/web.conf', 'conf.d/web.conf.orig', 'keepalived.conf']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the keepalived.conf nearest the root is the main file; several at that depth need the entry named', async () => {
    const nested = await tarOf([
      { name: 'keepalived/keepalived.conf', body: MAIN },
      { name: 'keepalived/samples/keepalived.conf', body: WEB },
    ]);
    expect((await readKeepalivedArchive(nested)).main).toBe('keepalived/keepalived.conf');
    const two = await tarOf([
      { name: 'a/keepalived.conf', body: MAIN },
      { name: 'b/keepalived.conf', body: WEB },
    ]);
    expect((await refusal(two)).message).toBe('the archive has several keepalived.conf (a/keepalived.conf, b/keepalived.conf): name the main file');
    const chosen = await readKeepalivedArchive(two, 'b/keepalived.conf');
    expect(chosen.files['keepalived.conf']).toBe(WEB);
    expect(chosen.files['/a/keepalived.conf']).toBe(MAIN);
    expect((await refusal(await tarOf([{ name: 'lb.conf', body: MAIN }]))).message).toBe('the archive has no keepalived.conf: name the main file (it has lb.conf)');
    expect((await refusal(two, 'c/keepalived.conf')).message).toMatch(/^c\/keepalived.conf is not a file of the archive/);
  });

  it('refuses names and links that climb out, devices, and more entries or bytes than its bounds', async () => {
    const climb = await refusal(await tarOf([{ name: '../../etc/shadow', body: 'x' }]));
    expect(climb).toMatchObject({ entry: '../../etc/shadow', message: expect.stringContaining('climbs out of the archive') });
    const link = await refusal(await tarOf([{ name: 'keepalived.conf', type: 'symlink', linkname: '/etc/shadow' }]));
    expect(link.message).toBe('keepalived.conf links to /etc/shadow outside the archive: refused');
    expect((await refusal(await tarOf([{ name: 'dev', type: 'character-device', devmajor: 1, devminor: 3 }]))).message).toBe('dev is a character-device, not a file: refused');
    const many = await tarOf(Array.from({ length: ARCHIVE_LIMITS.entries + 1 }, (_, i) => ({ name: `f${i}.conf`, body: '!' })));
    expect((await refusal(many)).message).toBe(`the archive has more than ${ARCHIVE_LIMITS.entries} entries: refused`);
    // a gzip bomb: 21 MB of blanks inflate from a few KB and are refused while inflating
    const bomb = gzipSync(await tarOf([{ name: 'keepalived.conf', body: ' '.repeat(ARCHIVE_LIMITS.totalBytes + 1024 * 1024 + 1) }]));
    expect(bomb.length).toBeLessThan(100_000);
    expect((await refusal(bomb)).message).toBe(`the archive inflates to more than ${ARCHIVE_LIMITS.totalBytes} bytes: refused`);
    // files over the bound together (inside the inflate cap, which leaves room for tar headers) are refused while reading
    const over = gzipSync(
      await tarOf([
        { name: 'keepalived.conf', body: ' '.repeat(ARCHIVE_LIMITS.totalBytes / 2) },
        { name: 'x.conf', body: ' '.repeat(ARCHIVE_LIMITS.totalBytes / 2 + 1) },
      ]),
    );
    expect((await refusal(over)).message).toBe(`the archive's files are more than ${ARCHIVE_LIMITS.totalBytes} bytes together: refused`);
    // an upload over the compressed bound is refused before anything is read
    const big = Buffer.alloc(ARCHIVE_LIMITS.compressedBytes + 1);
    expect((await refusal(big)).message).toBe(`the archive is ${ARCHIVE_LIMITS.compressedBytes + 1} bytes; at most ${ARCHIVE_LIMITS.compressedBytes} are accepted`);
    expect((await refusal(Buffer.from('virtual_server 10.0.0.1 80 {\n}\n'.repeat(40)))).message).toMatch(/^the archive is not a valid tar/);
  });
});
