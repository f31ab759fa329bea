// Links built from API data. The overview page links to the apps GET /api/v1/apps lists; their
// `url` comes from the policy (app and node names), so a page takes it only when it is what the
// gateway builds: https, an app host under this console's host (APP--NODE.apps.HOST), this
// console's port, no user info, path "/" (WHATWG URL parsing, not string tests).

/**
 * The app URL `url` as an href when it is `https://NAME.apps.HOST:PORT/` for the console at
 * `here` (a Location or URL: its hostname and port), NAME one DNS label; otherwise null.
 */
export function appHref(url, here) {
  if (typeof url !== 'string') return null;
  let u;
  try {
    u = new URL(url);
  } catch (e) {
    return null;
  }
  const suffix = `.apps.${here.hostname}`.toLowerCase();
  const host = u.hostname.toLowerCase();
  if (u.protocol !== 'https:' || u.username || u.password || u.port !== here.port) return null;
  if (!host.endsWith(suffix)) return null;
  const label = host.slice(0, host.length - suffix.length);
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) return null;
  if (u.pathname !== '/' || u.search || u.hash) return null;
  return u.href;
}
