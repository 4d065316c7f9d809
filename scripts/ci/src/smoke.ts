import { option, parseFlags, runMain } from './cli';
import { runSmoke } from './smoke-run';

const HELP = `Usage: scripts/ci/smoke [--url <chat URL>] [--origin <origin>] [--room smoke] [--attempts 30] [--interval-ms 2000] [--timeout-ms 10000]
Smoke test of a deployed Shagram: GET /healthz, register a throwaway user, one WebSocket round trip.
  --url     default: $SHAGRAM_URL (e.g. https://chat.example.com)
  --origin  Origin header of the WebSocket upgrade (default: the URL's origin)`;

const positive = (value: string, name: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name} must be a positive whole number`);
  return Number(value);
};

runMain('smoke', async () => {
  const flags = parseFlags(process.argv.slice(2), ['url', 'origin', 'room', 'attempts', 'interval-ms', 'timeout-ms']);
  if (flags.help) return void console.log(HELP);
  const url = option(flags, 'url', process.env.SHAGRAM_URL);
  await runSmoke({
    url,
    origin: typeof flags.origin === 'string' ? flags.origin : undefined,
    room: option(flags, 'room', 'smoke'),
    healthAttempts: positive(option(flags, 'attempts', '30'), 'attempts'),
    intervalMs: positive(option(flags, 'interval-ms', '2000'), 'interval-ms'),
    timeoutMs: positive(option(flags, 'timeout-ms', '10000'), 'timeout-ms'),
  });
  console.log(`smoke: ${url} is healthy and echoed a WebSocket message`);
});
