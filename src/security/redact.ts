/**
 * Keeping secrets out of logs. `REDACT_PATHS` is the pino `redact` list for
 * structured fields (credentials in headers, keys, tokens, passwords, the
 * configured database and Redis URLs); `redactText` masks secrets inside free
 * text (error messages, URLs) that no path can reach: the secret part of API
 * keys, bearer tokens, JWT-shaped strings and passwords in URLs.
 */

const SECRET_FIELDS = ['password', 'secret', 'token', 'apiKey', 'api_key', 'authorization', 'cookie', 'accessToken', 'refreshToken', 'clientSecret', 'key'];

/** Paths for pino's `redact` option (fast-redact syntax; `*` matches one level). */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'config.databaseUrl',
  'config.redisUrl',
  'config.security.jwt.secret',
  'config.security.fieldKeys',
  'databaseUrl',
  'redisUrl',
  'fieldKeys',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
];

export const REDACTED = '[redacted]';

/** Options to spread into `pino({...})` or Fastify's `logger` option. */
export function pinoRedaction(): { redact: { paths: string[]; censor: string } } {
  return { redact: { paths: [...REDACT_PATHS], censor: REDACTED } };
}

const PATTERNS: readonly [RegExp, string][] = [
  // API keys keep their public prefix, which identifies them without granting anything.
  [/\b(mg_[0-9A-Za-z]{8})_[0-9A-Za-z]{32}\b/g, `$1_${REDACTED}`],
  [/\b(bearer|basic|apikey)(\s+)[^\s,;"']+/gi, `$1$2${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // scheme://user:password@host → scheme://user:[redacted]@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, `$1:${REDACTED}@`],
  [/\b(password|secret|token)=([^\s&]+)/gi, `$1=${REDACTED}`],
];

/** Masks secrets found in free text. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A URL with its password masked, for printing configuration and connection errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = REDACTED;
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(name)) parsed.searchParams.set(name, REDACTED);
    }
    return parsed.toString();
  } catch {
    return redactText(url);
  }
}
