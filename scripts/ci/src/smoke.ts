import { ScriptError, option, parseFlags, runScript } from '../../lib/cli';
import { runSmoke } from './smoke-run';

const HELP = `Usage: scripts/ci/smoke [--url <chat URL>] [--origin <origin>] [--room smoke] [--attempts 30] [--interval-ms 2000] [--timeout-ms 10000]
Smoke test of a deployed Shagram: GET /healthz, register a throwaway user, one WebSocket round trip.
  --url     default: $SHAGRAM_URL (e.g. https://chat.example.com)
  --origin  Origin header of the WebSocket upgrade (default: the URL's origin)`;

/** A count flag's value (at least 1), or its default. */
const positive = (value: number | undefined, name: string, fallback: number): number => {
  if (value !== undefined && value < 1) throw new ScriptError(`--${name} must be a positive whole number`);
  return value ?? fallback;
};

runScript('smoke', async () => {
  const flags = parseFlags(process.argv.slice(2), { url: 'string', origin: 'string', room: 'string', attempts: 'integer', 'interval-ms': 'integer', 'timeout-ms': 'integer' });
  if (flags === 'help') return void console.log(HELP);
  const url = option(flags.url, 'url', process.env.SHAGRAM_URL);
  await runSmoke({
    url,
    origin: flags.origin,
    room: option(flags.room, 'room', 'smoke'),
    healthAttempts: positive(flags.attempts, 'attempts', 30),
    intervalMs: positive(flags['interval-ms'], 'interval-ms', 2000),
    timeoutMs: positive(flags['timeout-ms'], 'timeout-ms', 10000),
  });
  console.log(`smoke: ${url} is healthy and echoed a WebSocket message`);
});
