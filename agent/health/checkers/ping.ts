// keepalived's PING_CHECK without raw sockets: Node has no ICMP socket, so the system `ping`
// (setuid or with CAP_NET_RAW / ping_group_range) is run with an argv of validated values.
import { execFile } from 'node:child_process';
import net from 'node:net';
import type { CheckRun } from './types';

export const pingCheck: CheckRun = ({ address, check }) =>
  new Promise((resolve) => {
    if (!net.isIP(address)) return resolve({ ok: false, reason: `not an IP address: ${address}` });
    const argv = [...(net.isIPv6(address) ? ['-6'] : ['-4']), '-n', '-c', '1', '-W', String(check.timeout), address];
    execFile('ping', argv, { timeout: (check.timeout + 1) * 1000 }, (err, stdout) => {
      if (!err) return resolve({ ok: true, reason: `ok: ${/time[=<][\d.]+ ?ms/.exec(stdout)?.[0] ?? 'echo reply'}` });
      const code = (err as NodeJS.ErrnoException).code;
      resolve({ ok: false, reason: code === 'ENOENT' ? 'ping: the ping binary is not installed on the director' : `no echo reply within ${check.timeout} s` });
    });
  });
