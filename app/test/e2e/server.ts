import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { loadConfig } from '../../src/config/config';
import { createShagramServer, type ShagramServer } from '../../src/server';
import { createLogger } from '../../src/logger';
import { freePort } from '../../../test/system-helpers/ports';

/**
 * The real Shagram server in this process, on a fixed loopback port and a database file in a
 * temp folder, so that it can be stopped and started again on the same port and the same data.
 */
export class UiServer {
  readonly origin: string;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-e2e-'));
  private server: ShagramServer | undefined;

  private constructor(readonly port: number) {
    this.origin = `http://127.0.0.1:${port}`;
  }

  /** Picks a port and starts the server on it. */
  static async start(): Promise<UiServer> {
    const ui = new UiServer(await freePort());
    await ui.up();
    return ui;
  }

  /** The environment the server is configured from (the browser's origin is the allowed one). */
  env(): Record<string, string> {
    return {
      PORT: String(this.port),
      HOST: '127.0.0.1',
      DATABASE_PATH: path.join(this.dir, 'shagram.db'),
      JWT_SECRET: 'e2e-only-secret-that-is-at-least-32-bytes-long',
      WS_ALLOWED_ORIGINS: this.origin,
      AUTH_RATE_LIMIT: '1000/60',
      // one client floods a room past the 500-message replay in the catch-up test
      MESSAGE_RATE_LIMIT: '5000/10',
      LOG_LEVEL: 'silent',
    };
  }

  /** Starts a server on this port and database. */
  async up(): Promise<void> {
    if (this.server) throw new Error('server already running');
    const config = loadConfig(this.env());
    const server = await createShagramServer(config, createLogger(config.logLevel));
    await server.listen();
    this.server = server;
  }

  /** Stops the server gracefully (WebSockets close with 1001). */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  /** Stops the server and removes its data. */
  async dispose(): Promise<void> {
    await this.down();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
