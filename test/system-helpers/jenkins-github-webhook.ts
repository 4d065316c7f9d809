/**
 * Stand-in for the webhook endpoint of the Jenkins GitHub plugin (`github:1.46.0`, pinned in
 * jenkins/plugins.txt), i.e. `POST <jenkins>/github-webhook/`. The behaviour follows the plugin's source at
 * tag v1.46.0 (github.com/jenkinsci/github-plugin; these files are unchanged up to 1.47.x):
 *
 * - com/cloudbees/jenkins/GitHubWebHook.java: the unprotected root action `github-webhook`; `doIndex(event,
 *   payload)` returns void, so an accepted delivery is answered 200 with an empty body. It hands
 *   `X-GitHub-Delivery` to the subscribers as the event's id (it does not require it).
 * - com/cloudbees/jenkins/GitHubWebHookCrumbExclusion.java: the path is exempt from Jenkins's CSRF crumb, so a
 *   POST without a crumb reaches the plugin (no 403 from Jenkins in front of it).
 * - org/jenkinsci/plugins/github/webhook/RequirePostWithGHHookPayload.java (`Processor.invoke`), in this order:
 *   1. `shouldBePostMethod`: any other method → 405 "Method POST required".
 *   2. `returnsInstanceIdentityIfLocalUrlTest`: with `X-Jenkins-Validation` (the configuration page's self test)
 *      → 200 and an `X-Instance-Identity` header.
 *   3. `shouldContainParseablePayload`: no or unknown `X-GitHub-Event` → 400 "Hook should contain event type";
 *      blank payload → 400 "Hook should contain payload".
 *   4. `shouldProvideValidSignature`: when a hook secret is configured (jenkins/casc/jenkins.yaml
 *      `hookSecretConfigs`, no `signatureAlgorithm`, so SHA-256: SignatureAlgorithm.getDefault), a delivery
 *      without `X-Hub-Signature-256`, with another prefix than `sha256=`, or with a digest that differs →
 *      400 "No valid signature found. …". With no secret configured the signature is not checked at all.
 * - org/jenkinsci/plugins/github/webhook/GHEventHeader.java: the event is `GHEvent.valueOf(upperCase(header))`.
 * - org/jenkinsci/plugins/github/webhook/GHEventPayload.java: the payload is read only when `Content-Type` is
 *   exactly `application/json` (read as the whole body, decoded as UTF-8) or
 *   `application/x-www-form-urlencoded` (the `payload` form field); any other value, such as
 *   `application/json; charset=utf-8`, leaves it null → 400 "Hook should contain payload".
 * - org/jenkinsci/plugins/github/webhook/GHWebhookSignature.java: HMAC-SHA256 with the secret over the payload
 *   string encoded as UTF-8, hex in lower case, compared in constant time with the digest after the prefix.
 *   The HMAC therefore covers exactly the bytes GitHub sent only while the body arrives byte-for-byte.
 *
 * Errors are raised with Stapler's `HttpResponses.errorWithoutStack(400, message)`; Jenkins renders them as an
 * error page containing the message. This stand-in answers the same status with the message as plain text.
 * Only the JSON content type (the one docs/jenkins-harbor.md registers) is implemented; a form delivery is
 * refused here with the plugin's "no payload" answer rather than parsed.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { verifyGithubSignature } from '../../scripts/ci/src/webhook-signature';

/**
 * The constants of org.kohsuke.github.GHEvent (github.com/hub4j/github-api, src/main/java/org/kohsuke/github/GHEvent.java).
 * GHEventHeader maps the header with `GHEvent.valueOf(upperCase(header))`, so exactly these names are known.
 */
export const GH_EVENTS: ReadonlySet<string> = new Set([
  'ALL', 'BRANCH_PROTECTION_RULE', 'CHECK_RUN', 'CHECK_SUITE', 'CODE_SCANNING_ALERT', 'COMMIT_COMMENT',
  'CONTENT_REFERENCE', 'CREATE', 'DELETE', 'DEPLOYMENT', 'DEPLOYMENT_STATUS', 'DEPLOY_KEY', 'DISCUSSION',
  'DISCUSSION_COMMENT', 'DOWNLOAD', 'DYNAMIC', 'FOLLOW', 'FORK', 'FORK_APPLY', 'GIST', 'GITHUB_APP_AUTHORIZATION',
  'GOLLUM', 'INSTALLATION', 'INSTALLATION_REPOSITORIES', 'INTEGRATION_INSTALLATION_REPOSITORIES', 'ISSUES',
  'ISSUE_COMMENT', 'LABEL', 'MARKETPLACE_PURCHASE', 'MEMBER', 'MEMBERSHIP', 'MERGE_GROUP', 'MERGE_QUEUE_ENTRY',
  'META', 'MILESTONE', 'ORGANIZATION', 'ORG_BLOCK', 'PACKAGE', 'PAGE_BUILD', 'PING', 'PROJECT', 'PROJECT_CARD',
  'PROJECT_COLUMN', 'PUBLIC', 'PULL_REQUEST', 'PULL_REQUEST_REVIEW', 'PULL_REQUEST_REVIEW_COMMENT',
  'PULL_REQUEST_REVIEW_THREAD', 'PUSH', 'REGISTRY_PACKAGE', 'RELEASE', 'REPOSITORY', 'REPOSITORY_DISPATCH',
  'REPOSITORY_IMPORT', 'REPOSITORY_VULNERABILITY_ALERT', 'SCHEDULE', 'SECURITY_ADVISORY', 'STAR', 'STATUS', 'TEAM',
  'TEAM_ADD', 'UNKNOWN', 'WATCH', 'WORKFLOW_DISPATCH', 'WORKFLOW_JOB', 'WORKFLOW_RUN',
]);

/** One delivery the plugin accepted and handed to its subscribers. */
export interface AcceptedDelivery {
  event: string;
  /** `X-GitHub-Delivery` (null when absent; the plugin passes it on as it is). */
  delivery: string | null;
  /** The request body exactly as it arrived. */
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
}

/** What the plugin answers for one request. */
export interface Verdict {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** The plugin's answer for a request, given the configured hook secrets (empty: signatures are not checked). Pure. */
export function judgeDelivery(method: string, headers: http.IncomingHttpHeaders, raw: Buffer, secrets: readonly string[]): Verdict {
  if (method !== 'POST') return { status: 405, message: 'Method POST required' };
  if (headers['x-jenkins-validation'] !== undefined) {
    return { status: 200, message: '', headers: { 'X-Instance-Identity': instanceIdentity() } };
  }
  const eventHeader = headerValue(headers['x-github-event']);
  if (eventHeader === undefined || !GH_EVENTS.has(eventHeader.toUpperCase())) return { status: 400, message: 'Hook should contain event type' };
  // GHEventPayload: only an exact `application/json` is read (IOUtils.toString(stream, UTF_8): malformed bytes
  // become U+FFFD, a byte order mark is kept).
  const payload = headers['content-type'] === 'application/json' ? new TextDecoder('utf-8', { ignoreBOM: true }).decode(raw) : '';
  if (payload.trim() === '') return { status: 400, message: 'Hook should contain payload' };
  if (secrets.length > 0) {
    const signature = headerValue(headers['x-hub-signature-256']);
    const signed = Buffer.from(payload, 'utf8');
    if (!secrets.some((secret) => verifyGithubSignature(secret, signed, signature))) {
      return {
        status: 400,
        message: 'No valid signature found. Ensure webhook is configured with a supported signature algorithm (SHA-256 recommended, SHA-1 for legacy compatibility).',
      };
    }
  }
  return { status: 200, message: '' };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

let identity: string | undefined;
/** The controller's public key as the self test returns it (base64 of an X.509 SubjectPublicKeyInfo), made once. */
function instanceIdentity(): string {
  identity ??= crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return identity;
}

/** A running stand-in. */
export interface JenkinsWebhookStandin {
  port: number;
  /** Deliveries accepted (answered 200 and handed to subscribers), in arrival order. */
  accepted: AcceptedDelivery[];
  /** Every request that reached the stand-in, with the answer it got. */
  requests: Array<{ method: string; url: string; status: number; headers: http.IncomingHttpHeaders; raw: Buffer }>;
  stop(): Promise<void>;
}

/**
 * Starts the stand-in on 127.0.0.1 (a free port). `/github-webhook/` and `/github-webhook` (the crumb exclusion
 * accepts both) behave as the plugin does; every other path answers 404.
 */
export async function startJenkinsWebhookStandin(options: { secrets: readonly string[] }): Promise<JenkinsWebhookStandin> {
  const accepted: AcceptedDelivery[] = [];
  const requests: JenkinsWebhookStandin['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const method = req.method ?? '';
      const url = req.url ?? '';
      const verdict = url === '/github-webhook/' || url === '/github-webhook'
        ? judgeDelivery(method, req.headers, raw, options.secrets)
        : { status: 404, message: 'Not Found' };
      requests.push({ method, url, status: verdict.status, headers: req.headers, raw });
      if (verdict.status === 200 && verdict.headers === undefined && method === 'POST' && url.startsWith('/github-webhook')) {
        accepted.push({ event: String(headerValue(req.headers['x-github-event'])).toLowerCase(), delivery: headerValue(req.headers['x-github-delivery']) ?? null, raw, headers: req.headers });
      }
      res.writeHead(verdict.status, { ...verdict.headers, ...(verdict.message ? { 'Content-Type': 'text/plain;charset=utf-8' } : {}) });
      res.end(verdict.message);
    });
  });
  // Bodies up to the edge's limit arrive in one request; Node's default request timeout is ample on loopback.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    accepted,
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
