// Summarises a V8 CPU profile: self time by package (or project folder) and the top functions.
//   node bench/profile-summary.ts bench/profiles/gateway.cpuprofile [top] [from-seconds]
// `from-seconds` skips the samples taken before then (start-up: module loading), so the summary is of the load.
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const top = Number(process.argv[3] ?? 25);
const fromMs = Number(process.argv[4] ?? 0) * 1000;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
let elapsedMs = 0;
profile.samples.forEach((id, i) => {
  elapsedMs += (profile.timeDeltas[i] ?? 0) / 1000;
  if (elapsedMs >= fromMs) selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
});

const where = (url: string) => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (!url) return '(native/idle)';
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/(lib|gateway|subgraphs\/[^/]+|bench|scripts)\//.exec(url);
  return own ? own[1]! : url;
};
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const packages = new Map<string, number>();
const functions = new Map<string, number>();
let total = 0;
for (const [id, ms] of selfMs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  total += ms;
  add(packages, where(url), ms);
  add(functions, `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}`, ms);
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
};
console.log(`total ${Math.round(total)} ms sampled`);
print('self time by package', packages);
print('self time by function', functions);
