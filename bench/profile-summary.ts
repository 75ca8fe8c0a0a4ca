// Summarises a V8 CPU profile: self time by package (or project folder) and the top functions, and
// with `--inclusive` the time spent in each function and everything it called (what a hook,
// plugin or executor costs in all), as shares of the busy time (idle left out).
//   node bench/profile-summary.ts bench/profiles/gateway.cpuprofile [top] [from-seconds] [--inclusive [pattern]]
// `from-seconds` skips the samples taken before then (start-up: module loading), so the summary is of the load.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const args = process.argv.slice(2);
const inclusiveAt = args.indexOf('--inclusive');
const inclusive = inclusiveAt >= 0;
const pattern = inclusive && args[inclusiveAt + 1] ? new RegExp(args[inclusiveAt + 1]!) : null;
const positional = inclusive ? args.slice(0, inclusiveAt) : args;
const profile = JSON.parse(readFileSync(positional[0]!, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const top = Number(positional[1] ?? 25);
const fromMs = Number(positional[2] ?? 0) * 1000;

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
const nameOf = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const print = (title: string, m: Map<string, number>, total: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
};

if (inclusive) {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of selfMs) {
    const fn = byId.get(id)!.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)') continue;
    busy += ms;
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const key = nameOf(byId.get(x)!);
      if (!seen.has(key)) add(totals, key, ms);
      seen.add(key);
    }
  }
  if (pattern) for (const k of [...totals.keys()]) if (!pattern.test(k)) totals.delete(k);
  console.log(`busy ${Math.round(busy)} ms sampled`);
  print('time including callees, of the busy time', totals, busy);
} else {
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    total += ms;
    add(packages, where(node.callFrame.url), ms);
    add(functions, nameOf(node), ms);
  }
  console.log(`total ${Math.round(total)} ms sampled`);
  print('self time by package', packages, total);
  print('self time by function', functions, total);
}
