import path from 'node:path';
import type { TargetName } from './options';
import { BENCH_ORIGIN } from './client-spec';

/** How to start one target server: node arguments, environment and the path that says "ready". */
export interface Launch {
  nodeArgs: string[];
  env: Record<string, string>;
  readyPath: string;
  /** History endpoint for a room, when the target has one. */
  historyPath?: (room: string) => string;
}

/** Environment the bench gives Shagram, beyond PORT and DATABASE_PATH. Limits are lifted so they never cap the load. */
export const SHAGRAM_BENCH_ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  AUTH_RATE_LIMIT: '100000/60',
  MESSAGE_RATE_LIMIT: '1000000/1',
  // Every bench connection comes from 127.0.0.1 with one of a few accounts, and the scale workload opens thousands.
  WS_MAX_CONNECTIONS_PER_ACCOUNT: '1000000',
  WS_MAX_CONNECTIONS_PER_IP: '1000000',
  WS_MAX_CONNECTIONS: '1000000',
  // The bench creates its rooms (up to --scale-rooms) with one account, up front.
  ROOM_CREATE_RATE_LIMIT: '1000000/1',
  ROOMS_PER_ACCOUNT: '100000',
  WS_ALLOWED_ORIGINS: BENCH_ORIGIN,
} as const;

/** The targets that are one process (all but `shagram-2x`, which is {@link planReplicaLaunch} twice). */
export type SingleTargetName = Exclude<TargetName, 'shagram-2x'>;

/**
 * Plans a target's start: Shagram from its production build with a fresh database and its
 * normal durability; the peers from bench/peers under tsx (`node --import tsx`, one process).
 * @param jwtSecret a random secret for this run (Shagram in production mode requires one)
 */
export function planLaunch(name: SingleTargetName, port: number, dataDir: string, shagramEntry: string, jwtSecret: string, shagramNodeArgs: string[] = []): Launch {
  const history = (room: string) => `/api/messages/${encodeURIComponent(room)}`;
  switch (name) {
    case 'shagram':
      return {
        nodeArgs: [...shagramNodeArgs, shagramEntry],
        env: { ...SHAGRAM_BENCH_ENV, PORT: String(port), DATABASE_PATH: path.join(dataDir, 'shagram.db'), JWT_SECRET: jwtSecret },
        readyPath: '/readyz',
        historyPath: history,
      };
    case 'ws-broadcast':
      return { nodeArgs: ['--import', 'tsx', 'bench/peers/ws-broadcast.ts'], env: { PORT: String(port), HOST: '127.0.0.1' }, readyPath: '/healthz' };
    case 'socketio-sqlite':
      return {
        nodeArgs: ['--import', 'tsx', 'bench/peers/socketio-sqlite.ts'],
        env: { PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: path.join(dataDir, 'socketio.db') },
        readyPath: '/healthz',
        historyPath: history,
      };
  }
}

/** What the replicas of a multi-replica Shagram share. */
export interface SharedServices {
  /** PostgreSQL (history, accounts). */
  databaseUrl: string;
  /** Redis pub/sub (fan-out between replicas). */
  redisUrl: string;
  /** One secret for all replicas, so a token from one is valid on the other. */
  jwtSecret: string;
}

/**
 * Plans one replica of the `shagram-2x` target: exactly the `shagram` launch (same build, same
 * lifted limits and env) plus `DATABASE_URL` and `REDIS_URL`, with the secret every replica
 * shares. `DATABASE_PATH` still points into the replica's own folder but is unused on PostgreSQL.
 */
export function planReplicaLaunch(port: number, dataDir: string, shagramEntry: string, shared: SharedServices, shagramNodeArgs: string[] = []): Launch {
  const base = planLaunch('shagram', port, dataDir, shagramEntry, shared.jwtSecret, shagramNodeArgs);
  return { ...base, env: { ...base.env, DATABASE_URL: shared.databaseUrl, REDIS_URL: shared.redisUrl } };
}
