// keepalived's SMTP_CHECK: a 220 banner, HELO answered with 250, then QUIT.
import net from 'node:net';
import type { CheckRun } from './types';

export const smtpCheck: CheckRun = ({ address, port, check }) =>
  new Promise((resolve) => {
    const sock = net.connect({ host: address, port, ...(check.bindTo ? { localAddress: check.bindTo } : {}) });
    let buf = '';
    let stage: 'banner' | 'helo' = 'banner';
    let done = false;
    const finish = (ok: boolean, reason: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (ok) sock.end('QUIT\r\n');
      sock.destroy();
      resolve({ ok, reason });
    };
    const timer = setTimeout(() => finish(false, `SMTP timeout after ${check.timeout} s (${stage})`), check.timeout * 1000);
    sock.setEncoding('utf8');
    sock.on('error', (e: NodeJS.ErrnoException) => finish(false, `SMTP connect ${e.code ?? e.message}`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 8192) return finish(false, 'SMTP reply too long');
      // a reply is complete at a line "NNN text" (not "NNN-text", which continues)
      const m = /(?:^|\r?\n)(\d{3}) [^\n]*\r?\n$/.exec(buf);
      if (!m) return;
      const code = m[1];
      buf = '';
      if (stage === 'banner') {
        if (code !== '220') return finish(false, `SMTP banner ${code} (expected 220)`);
        stage = 'helo';
        sock.write(`HELO ${check.heloName ?? 'localhost'}\r\n`);
      } else finish(code === '250', code === '250' ? 'ok: SMTP 220, HELO 250' : `SMTP HELO answered ${code} (expected 250)`);
    });
  });
