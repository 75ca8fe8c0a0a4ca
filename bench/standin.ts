// A stand-in for the four subgraphs, for measuring the gateway's own ceiling: the first request with
// a given body is passed to the real subgraph and its answer kept; every later request with the same
// body is answered from memory at no cost. `GET /captured` lists what was captured (the subgraph
// operations the planner sends), so the benchmark can replay them straight at each subgraph.
//   node bench/standin.ts <port> <name>=<url> ...
import { createServer } from 'node:http';

const [portArg, ...targets] = process.argv.slice(2);
const upstream = new Map(targets.map((t) => t.split('=') as [string, string]));
const answers = new Map<string, { status: number; body: string }>();
const captured: { subgraph: string; headers: Record<string, string>; body: string }[] = [];
let requests = 0;

const server = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/captured') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests, captured }));
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
  requests++;
  const key = `${subgraph}\n${body}`;
  let answer = answers.get(key);
  if (!answer) {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)),
    ) as Record<string, string>;
    const response = await fetch(target, { method: 'POST', headers, body });
    answer = { status: response.status, body: await response.text() };
    answers.set(key, answer);
    captured.push({ subgraph, headers, body });
  }
  res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
