/**
 * Debian's Prometheus and Alertmanager on free loopback ports (scripts/setup.d/63-prometheus.sh), and a webhook
 * receiver standing in for Telegram/e-mail. Executors only: the configurations come from loopback-config.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { startDaemon, waitForPorts, type Daemon } from '../../test/system-helpers/daemon';
import { freePort } from '../../test/system-helpers/ports';

/** One alert as Prometheus' /api/v1/alerts lists it. */
export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
}

/** A running Prometheus. */
export interface LoopbackPrometheus {
  url: string;
  daemon: Daemon;
  /** GET /api/v1/<path>; throws unless the answer is `status: success`. */
  api<T>(apiPath: string, params?: Record<string, string>): Promise<T>;
  /** Instant query: the result vector. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  alerts(): Promise<PrometheusAlert[]>;
  stop(): Promise<void>;
}

/** Starts `prometheus` with `config` (prometheus.yml text) in `dir`; resolves once /-/ready answers 200. */
export async function startPrometheus(dir: string, config: string, timeoutMs = 20_000): Promise<LoopbackPrometheus> {
  const port = await freePort();
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, config);
  const daemon = startDaemon('prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  await waitForPorts('prometheus', [daemon], [port], timeoutMs);
  const url = `http://127.0.0.1:${port}`;
  await pollUntil('prometheus /-/ready', timeoutMs, async () => (await fetch(`${url}/-/ready`)).status === 200 || undefined);
  const api = async <T>(apiPath: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${apiPath}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${apiPath}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    daemon,
    api,
    query: async (promql) => (await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>('query', { query: promql })).result,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('alerts')).alerts,
    stop: () => daemon.stop(),
  };
}

/** A running Alertmanager. */
export interface LoopbackAlertmanager {
  /** host:port, for Prometheus' alerting configuration. */
  address: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/** Starts `prometheus-alertmanager` with `config` (alertmanager.yml text) in `dir`; resolves once /-/ready answers. */
export async function startAlertmanager(dir: string, config: string, timeoutMs = 20_000): Promise<LoopbackAlertmanager> {
  const port = await freePort();
  const configFile = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(configFile, config);
  const daemon = startDaemon('prometheus-alertmanager', [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(dir, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
  await waitForPorts('alertmanager', [daemon], [port], timeoutMs);
  await pollUntil('alertmanager /-/ready', timeoutMs, async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).status === 200 || undefined);
  return { address: `127.0.0.1:${port}`, daemon, stop: () => daemon.stop() };
}

/** One webhook notification (Alertmanager's webhook payload, version 4). */
export interface WebhookNotification {
  receivedAt: number;
  status: 'firing' | 'resolved';
  alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

/** A loopback HTTP server collecting Alertmanager's webhook notifications. */
export interface WebhookReceiver {
  url: string;
  notifications: WebhookNotification[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: WebhookNotification[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      try {
        notifications.push({ receivedAt: Date.now(), ...(JSON.parse(body) as Omit<WebhookNotification, 'receivedAt'>) });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Calls `check` every `everyMs` until it returns a value (not undefined); rejects after `timeoutMs` with `what`
 * and the last error `check` threw. No event tells when Prometheus' state changes: polled, bounded.
 */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A running exporter: its host:port. */
export interface LoopbackExporter {
  address: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/** Debian's node-exporter on a free loopback port, with its textfile collector reading `textfileDir`. */
export async function startNodeExporter(textfileDir: string, timeoutMs = 20_000): Promise<LoopbackExporter> {
  const port = await freePort();
  const daemon = startDaemon('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${textfileDir}`, '--log.level=warn']);
  await waitForPorts('node-exporter', [daemon], [port], timeoutMs);
  return { address: `127.0.0.1:${port}`, daemon, stop: () => daemon.stop() };
}

/** Debian's blackbox exporter on a free loopback port with the stack's module file. */
export async function startBlackboxExporter(configFile: string, timeoutMs = 20_000): Promise<LoopbackExporter> {
  const port = await freePort();
  const daemon = startDaemon('prometheus-blackbox-exporter', [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
  await waitForPorts('blackbox exporter', [daemon], [port], timeoutMs);
  return { address: `127.0.0.1:${port}`, daemon, stop: () => daemon.stop() };
}

/** An HTTPS server on loopback whose self-signed certificate (openssl) for `localhost` expires in `days` days. */
export async function startTlsServer(dir: string, days: number): Promise<{ port: number; notAfter: Date; close(): Promise<void> }> {
  const { execFileSync } = await import('node:child_process');
  const https = await import('node:https');
  const key = path.join(dir, 'tls-key.pem');
  const cert = path.join(dir, 'tls-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days), '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const notAfter = new Date(execFileSync('openssl', ['x509', '-noout', '-enddate', '-in', cert]).toString().replace(/^notAfter=/, '').trim());
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, notAfter, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
