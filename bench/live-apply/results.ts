/**
 * bench/live-apply's results file: when, on what machine, the command, and
 * the tables, so a number in the README can be traced to a run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { opsTable, targetsTable, type DbFigures } from './report.ts';

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const nproc = (() => {
    try {
      return execFileSync('nproc').toString().trim();
    } catch {
      return String(os.availableParallelism());
    }
  })();
  const [one, five] = os.loadavg();
  return `${nproc} CPUs (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Linux ${os.release()}, Node ${process.version}; load average at the end ${one.toFixed(1)} (1 min), ${five.toFixed(1)} (5 min) (the load the bench itself makes is about 4 on 2 cores)`;
}

export function writeResults(
  file: string,
  r: { started: Date; command: string; runs: number; clients: number; probation: number; all: DbFigures[]; failedRuns: string[] },
) {
  const sections = r.all.map(
    f =>
      `### ${f.db === 'sqlite' ? 'SQLite' : 'PostgreSQL'}\n\n` +
      `${f.clients} keep-alive clients and ${f.signals} signals websockets; ${f.requests} requests (${f.requestsPerSecond}/s); ` +
      `steady state p99 ${Math.round(f.steadyP99Ms)} ms, RSS ${f.steadyRssMb} MB (supervisor and descendants); ` +
      `signals connections closed by switches: ${f.signalCloses} (codes ${JSON.stringify(f.signalCloseCodes)}), all reconnected by the client.\n\n` +
      `${opsTable(f)}\n` +
      (f.failures.length ? `\nFailed requests (first ${f.failures.length}):\n\n${f.failures.map(l => `- ${l}`).join('\n')}\n` : ''),
  );
  const text = [
    '# bench/live-apply results',
    '',
    `- date: ${r.started.toISOString()}`,
    `- machine: ${machine()}`,
    `- command: \`${r.command}\``,
    `- ${r.runs} run(s) per operation, --probation ${r.probation} s (the supervisor's default is 10 s)`,
    '',
    `## Figures against the targets (medians of ${r.runs} run(s))`,
    '',
    targetsTable(r.all),
    '',
    ...(r.failedRuns.length
      ? ['Runs that failed and were run again (the failed run\'s completed operations are kept):', '', ...r.failedRuns.map(l => `- ${l.split('\n')[0].slice(0, 300)}`), '']
      : []),
    '## Per operation (medians; failed requests summed over the runs)',
    '',
    ...sections,
  ].join('\n');
  fs.writeFileSync(file, `${text}\n`);
}
