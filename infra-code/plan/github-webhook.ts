/**
 * The GitHub side of "push to main deploys", as data: which repository the webhook goes on and what it says. The
 * program registers it with @pulumi/github (`github.RepositoryWebhook`) when `shagram:githubWebhook` is true, so the
 * URL and the shared secret come from the same values the Jenkins stack gets (nothing copied by hand).
 *
 * Jenkins' GitHub plugin takes deliveries at `<jenkins>/github-webhook/` (GitHubWebHook.URLNAME) and checks
 * X-Hub-Signature-256 against the secret of its JCasC `github-webhook-secret` credential; GitHub signs with the
 * hook's `secret` (REST "Create a repository webhook": config.url, config.content_type, config.secret,
 * config.insecure_ssl, events, active).
 */

/** Owner and name of a GitHub repository. */
export interface GithubRepository {
  owner: string;
  name: string;
}

/** The repository of an https or SSH clone URL on github.com; undefined for any other host. Pure. */
export function githubRepositoryOf(url: string): GithubRepository | undefined {
  const m = /^(?:https:\/\/github\.com\/|git@github\.com:)([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100}?)(?:\.git)?\/?$/.exec(url);
  return m ? { owner: m[1] as string, name: m[2] as string } : undefined;
}

/** What the webhook is, given Jenkins' public host. Pure. */
export function webhookSpec(jenkinsHost: string): { url: string; events: string[]; contentType: string; insecureSsl: boolean } {
  // Only pushes trigger the pipeline; TLS is verified (the edge has a trusted certificate before Jenkins deploys).
  return { url: `https://${jenkinsHost}/github-webhook/`, events: ['push'], contentType: 'json', insecureSsl: false };
}
