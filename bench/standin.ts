// A stand-in for the four subgraphs, for measuring the gateway's own ceiling: the first request with
// a given body is passed to the real subgraph and its answer kept; every later request with the same
// body is answered from memory at no cost. `GET /captured` lists what was captured (the subgraph
// operations the planner sends) and, for every request received, which captured entry it was, so
// the benchmark can replay each caller's operations straight at each subgraph.
// Requests it passes on are signed again for the subgraph's own path (the gateway signed them for
// the stand-in's), with the gateway's signing key given in BENCH_SIGNING_KEY (`kid:secret`).
//   BENCH_SIGNING_KEY=kid:secret node bench/standin.ts <port> <name>=<url> ...
import { createServer } from 'node:http';
import { SIGNATURE_HEADERS, parseSigningKeys, signRequest } from '../lib/signature.ts';

const [portArg, ...targets] = process.argv.slice(2);
const upstream = new Map(targets.map((t) => t.split('=') as [string, string]));
const [signingKey] = parseSigningKeys(process.env.BENCH_SIGNING_KEY ?? '');
const answers = new Map<string, { status: number; body: string; index: number }>();
const captured: { subgraph: string; headers: Record<string, string>; body: string }[] = [];
/** The captured entry of every request received, in arrival order. */
const received: number[] = [];

const server = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/captured') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ requests: received.length, captured, received }));
    return;
  }
  const subgraph = (req.url ?? '').split('/')[1] ?? '';
  const target = upstream.get(subgraph);
  if (!target) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const key = `${subgraph}\n${body}`;
  let answer = answers.get(key);
  if (!answer) {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([k, v]) =>
          typeof v === 'string' && !['host', 'content-length', 'connection', ...SIGNATURE_HEADERS].includes(k),
      ),
    ) as Record<string, string>;
    const signature = signingKey
      ? signRequest(signingKey, {
          method: 'POST',
          path: new URL(target).pathname,
          body,
          authorization: headers.authorization ?? null,
        })
      : {};
    const response = await fetch(target, { method: 'POST', headers: { ...headers, ...signature }, body });
    answer = { status: response.status, body: await response.text(), index: captured.length };
    answers.set(key, answer);
    captured.push({ subgraph, headers, body });
  }
  received.push(answer.index);
  res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
