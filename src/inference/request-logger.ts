/**
 * A per-request logger that costs nothing until it writes. Fastify gives
 * every request a pino child bound to its request id; building that child
 * (bindings serialised, redaction applied) costs about a microsecond, more
 * than a live-window update, and at warn level almost no data-plane request
 * ever logs. This child is built on the first log call at an enabled level.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

type Bindings = Record<string, unknown>;
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Write = (...args: unknown[]) => void;
/** pino's loggers say whether a level is on; any other logger is asked to write everything. */
type Leveled = FastifyBaseLogger & { isLevelEnabled?(level: string): boolean };
const enabled = (logger: FastifyBaseLogger, level: string): boolean => (logger as Leveled).isLevelEnabled?.(level) ?? true;

class LazyChild {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: Bindings;
  #real: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #child(): FastifyBaseLogger {
    this.#real ??= this.#parent.child(this.#bindings, this.#options);
    return this.#real;
  }

  #write(level: Level, args: unknown[]): void {
    // A level set for the route (options.level) decides, once the real child exists; before that, the parent's.
    if (this.#real === undefined && this.#options.level === undefined && !enabled(this.#parent, level)) return;
    (this.#child()[level] as Write)(...args);
  }

  get level(): string {
    return this.#real?.level ?? (typeof this.#options.level === 'string' ? this.#options.level : this.#parent.level);
  }

  set level(value: string) {
    this.#child().level = value;
  }

  isLevelEnabled(level: string): boolean {
    return this.#real === undefined && this.#options.level === undefined ? enabled(this.#parent, level) : enabled(this.#child(), level);
  }

  fatal(...args: unknown[]): void { this.#write('fatal', args); }
  error(...args: unknown[]): void { this.#write('error', args); }
  warn(...args: unknown[]): void { this.#write('warn', args); }
  info(...args: unknown[]): void { this.#write('info', args); }
  debug(...args: unknown[]): void { this.#write('debug', args); }
  trace(...args: unknown[]): void { this.#write('trace', args); }
  silent(): void {}

  child(bindings: Bindings, options?: Bindings): FastifyBaseLogger {
    return this.#child().child(bindings, options);
  }
}

/** Makes request loggers in this (encapsulated) instance lazy. */
export function installLazyRequestLogger(app: FastifyInstance): void {
  app.setChildLoggerFactory((logger, bindings, options) => new LazyChild(logger, bindings, options as Bindings) as unknown as FastifyBaseLogger);
}
