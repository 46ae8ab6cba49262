/**
 * The long tasks of a main-thread CPU profile (`--cpu-prof`, e.g. from burst-diagnose.ts): a task is a run of
 * consecutive samples that are not `(idle)`, i.e. the event loop working without a break. Prints how task
 * lengths are distributed and, for the longest, where their time went (self time by function, and our frames,
 * i.e. the server's and the engine's, by inclusive time). A task that is longer than the sampling interval
 * allows to resolve also holds every request that arrived meanwhile: these are what a client-credentials
 * request can wait behind. Usage: node bench/login/profile-tasks.ts <file.cpuprofile> [from-s] [to-s] [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

const [file, fromArg, toArg, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/login/profile-tasks.ts <file.cpuprofile> [from-s] [to-s] [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const fromUs = Number(fromArg ?? 0) * 1e6;
const toUs = toArg === undefined ? Number.POSITIVE_INFINITY : Number(toArg) * 1e6;
const top = Number(topArg ?? 8);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const short = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const path = url.replace(/^.*\/(node_modules|packages)\//, '$1/').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${path}:${lineNumber + 1}`;
};
const ours = (n: ProfileNode) => /packages\/server\/src|oidc-provider\/lib/.test(n.callFrame.url);

interface Task {
  startUs: number;
  durUs: number;
  samples: { node: number; us: number }[];
}
const tasks: Task[] = [];
let t = 0;
let current: Task | undefined;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0;
  // A sample's weight is the time to the next sample.
  const us = profile.timeDeltas[i + 1] ?? 0;
  const node = byId.get(profile.samples[i] ?? -1);
  const idle = node?.callFrame.functionName === '(idle)';
  if (t < fromUs || t > toUs || idle) {
    if (current) tasks.push(current);
    current = undefined;
    continue;
  }
  current ??= { startUs: t, durUs: 0, samples: [] };
  current.durUs += us;
  current.samples.push({ node: node?.id ?? -1, us });
}
if (current) tasks.push(current);

const ms = (us: number) => (us / 1000).toFixed(2);
const edges = [0.5, 1, 2, 3, 5, 10, 20, 50];
const counts = edges.map((e) => tasks.filter((k) => k.durUs >= e * 1000).length);
const wallS = (Math.min(toUs, t) - fromUs) / 1e6;
const busy = tasks.reduce((a, k) => a + k.durUs, 0);
console.log(
  `${tasks.length} tasks in ${wallS.toFixed(1)} s, busy ${(busy / 1e6 / wallS).toFixed(2)} of the time; tasks ≥ ` +
    edges.map((e, i) => `${e} ms: ${counts[i]}`).join(', '),
);

function summarise(samples: Task['samples'], limit: number): void {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const s of samples) {
    const node = byId.get(s.node);
    if (!node) continue;
    self.set(short(node), (self.get(short(node)) ?? 0) + s.us);
    const seen = new Set<string>();
    for (let id: number | undefined = s.node; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id);
      if (!frame || !ours(frame)) continue;
      const name = short(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + s.us);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, limit);
  console.log(
    `    self: ${sorted(self)
      .map(([n, us]) => `${ms(us)} ${n}`)
      .join('\n          ')}`,
  );
  console.log(
    `    ours: ${sorted(inclusive)
      .map(([n, us]) => `${ms(us)} ${n}`)
      .join('\n          ')}`,
  );
}

const longest = [...tasks].sort((a, b) => b.durUs - a.durUs).slice(0, top);
for (const task of longest) {
  console.log(`\ntask at ${(task.startUs / 1e6).toFixed(3)} s: ${ms(task.durUs)} ms`);
  summarise(task.samples, 6);
}
const threshold = Number(process.env.LONG_MS ?? 2) * 1000;
const long = tasks.filter((k) => k.durUs >= threshold);
console.log(
  `\nall ${long.length} tasks ≥ ${threshold / 1000} ms together (${ms(long.reduce((a, k) => a + k.durUs, 0))} ms):`,
);
summarise(
  long.flatMap((k) => k.samples),
  15,
);
