/** The `.dockerconfigjson` of an image pull Secret. Pure. */

/** The Docker config JSON that lets the kubelet pull from `host` with a user name and password. */
export function dockerConfigJson(host: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  return JSON.stringify({ auths: { [host]: { username, password, auth } } });
}
