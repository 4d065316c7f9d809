import http from 'node:http';
import https from 'node:https';

/** A response read to the end. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Options of {@link request}. */
export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Connect here (127.0.0.1:port) but present `host` (SNI + Host header). */
  port: number;
  host: string;
  ca?: Buffer;
  tls?: boolean;
}

/** One HTTP(S) request to a loopback port with a chosen server name; the body is collected. */
export function request(path: string, options: RequestOptions): Promise<Reply> {
  const tls = options.tls ?? true;
  return new Promise((resolve, reject) => {
    const settings: https.RequestOptions = {
      host: '127.0.0.1',
      port: options.port,
      path,
      method: options.method ?? 'GET',
      headers: { Host: options.host, ...options.headers },
      servername: options.host,
      ca: options.ca,
      agent: false,
    };
    const req = (tls ? https : http).request(settings, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
