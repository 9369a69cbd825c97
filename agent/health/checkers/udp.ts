// keepalived's UDP_CHECK: send the payload; with a required reply, the answer must start with it;
// without one, the server is good unless an ICMP error (port unreachable) comes back in time.
import dgram from 'node:dgram';
import net from 'node:net';
import type { CheckRun } from './types';

export const udpCheck: CheckRun = ({ address, port, check }) =>
  new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    const want = check.udpReply !== undefined ? Buffer.from(check.udpReply, 'hex') : null;
    let done = false;
    const finish = (ok: boolean, reason: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve({ ok, reason });
    };
    const timer = setTimeout(() => (want ? finish(false, `no UDP reply within ${check.timeout} s`) : finish(true, 'ok: no ICMP error')), check.timeout * 1000);
    sock.on('error', (e: NodeJS.ErrnoException) => finish(false, `UDP ${e.code ?? e.message}`));
    sock.on('message', (msg) => {
      if (!want) return finish(true, `ok: UDP reply of ${msg.length} bytes`);
      if (msg.subarray(0, want.length).equals(want)) finish(true, 'ok: expected UDP reply');
      else finish(false, `UDP reply ${msg.subarray(0, 16).toString('hex')} does not start with ${check.udpReply}`);
    });
    sock.connect(port, address, () => sock.send(Buffer.from(check.udpPayload ?? '', 'hex'), (e) => e && finish(false, `UDP send: ${e.message}`)));
  });
