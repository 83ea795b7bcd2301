// Starts a real iisc-server for the API tests: an ephemeral port, a fresh
// data directory, a bureau token, and copies of the scoring configuration and
// the intent examples that a test may break and mend (the repository's own
// files are never touched).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = path.resolve(here, '../..');
const binary = process.env.IISC_SERVER_BINARY || path.join(sourceDir, 'build/server/iisc-server');

function randomHex(bytes) {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Every key not set here keeps the default of configs/server.toml. The rate
// limit leaves the tests a burst of 1,000 requests, and a test can still
// reach it on purpose.
function serverToml(dir) {
  const q = (p) => JSON.stringify(p);
  return `[paths]
scoring_config = ${q(path.join(dir, 'scoring.toml'))}
vocabulary_dir = ${q(path.join(sourceDir, 'configs/vocabulary'))}
intent_corpus_dir = ${q(path.join(dir, 'intent'))}
taxonomy_file = ${q(path.join(sourceDir, 'data/taxonomy.json'))}
seed_catalog = ${q(path.join(sourceDir, 'data/demo-catalog.jsonl'))}

[access]
rate_limit_per_second = 20.0
rate_limit_burst = 1000.0

[durability]
sync_need_writes = false
backup_dir = ${q(path.join(dir, 'backups'))}
`;
}

// Resolves to { baseUrl, bureauToken, dir, stop }.
export async function startServer() {
  const dir = mkdtempSync(path.join(tmpdir(), 'iisc-api-'));
  cpSync(path.join(sourceDir, 'configs/scoring.toml'), path.join(dir, 'scoring.toml'));
  cpSync(path.join(sourceDir, 'configs/intent'), path.join(dir, 'intent'), { recursive: true });
  mkdirSync(path.join(dir, 'backups'));
  const config = path.join(dir, 'server.toml');
  writeFileSync(config, serverToml(dir));
  const bureauToken = randomHex(16);
  const server = spawn(binary, ['--listen', '127.0.0.1:0', '--data-dir', path.join(dir, 'data'),
    '--config', config], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, IISC_BUREAU_TOKEN: bureauToken },
  });
  let log = '';
  server.stderr.on('data', (chunk) => { log += chunk; });
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.removeAllListeners('exit');
      const exited = new Promise((resolve) => server.on('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const baseUrl = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no "listening on" line: ${out}${log}`)), 120000);
      server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}${log}`)));
      server.stdout.on('data', (chunk) => {
        out += chunk;
        const match = out.match(/listening on (http:\/\/\S+)\n/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    return { baseUrl, bureauToken, dir, stop, log: () => log };
  } catch (e) {
    await stop();
    throw e;
  }
}
