// A real server of the traffic lab: answers every request with the address of the real server
// that served it, keeping connections alive. NAT servers share one namespace and one process (the
// address a request arrived on names the server); DR and TUN requests arrive on the VIP, so their
// process is told its name.
import http from 'node:http';

const [port = '80', name] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  const who = name ?? (req.socket.localAddress ?? '?').replace(/^::ffff:/, '');
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(who) });
  res.end(who);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '0.0.0.0');
