// A KServe v2 client for teacher services (ernie-slim serve, Triton): keep-alive connections, a cap on
// requests in flight, load spread over several URLs, retries with exponential backoff, dead URLs retried later.
import { Agent, request } from 'undici';
import { InputError, UsageError } from '../errors.js';

export interface KServeClientOptions {
  /** Requests in flight at most, over all URLs (ERNIE Slim's num_coroutine). */
  concurrency?: number;
  /** How long every URL may stay unreachable before a request gives up. */
  timeoutMs?: number;
  /** First backoff after a failure; doubles per retry up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request deadline. */
  requestTimeoutMs?: number;
}

export interface ModelMetadata {
  name: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
}

export interface InferTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

interface Endpoint {
  url: string;
  /** Not tried again before this time (ms since epoch) after a failure. */
  deadUntil: number;
  failures: number;
}

/** A 4xx answer: the request itself is wrong, so retrying cannot help. */
export class KServeRequestError extends Error {}

export class KServeClient {
  private readonly endpoints: Endpoint[];
  private readonly agent: Agent;
  private next = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly requestTimeoutMs: number;
  /** Retries made (connection errors and 5xx), for reports and tests. */
  retries = 0;

  constructor(urls: readonly string[], options: KServeClientOptions = {}) {
    if (urls.length === 0) throw new UsageError('--teacher-url: give at least one URL');
    this.endpoints = urls.map((url) => {
      if (!/^https?:\/\/[^/]+\/v2\/models\/[^/]+\/?$/.test(url)) {
        throw new UsageError(`--teacher-url ${url}: expected http://host:port/v2/models/NAME`);
      }
      return { url: url.replace(/\/$/, ''), deadUntil: 0, failures: 0 };
    });
    this.concurrency = Math.max(1, options.concurrency ?? 10);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.backoffMs = options.backoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
    this.agent = new Agent({ connections: this.concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  get urls(): string[] {
    return this.endpoints.map((e) => e.url);
  }

  /** The model's metadata (GET /v2/models/NAME), from the first URL that answers. */
  async metadata(): Promise<ModelMetadata> {
    return (await this.call('GET', '', undefined)) as ModelMetadata;
  }

  /** Triton's model configuration (GET .../config), or null from a service without that extension (a 4xx). */
  async modelConfig(): Promise<Record<string, unknown> | null> {
    const config = await this.call('GET', '/config', undefined, true);
    return typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : null;
  }

  /** POST .../infer; resolves with the response's outputs. */
  async infer(inputs: InferTensor[], outputs?: string[]): Promise<InferTensor[]> {
    const body = JSON.stringify({ inputs, ...(outputs ? { outputs: outputs.map((name) => ({ name })) } : {}) });
    await this.acquire();
    try {
      const response = (await this.call('POST', '/infer', body)) as { outputs?: InferTensor[] };
      if (!Array.isArray(response.outputs)) throw new KServeRequestError('the response has no outputs');
      return response.outputs;
    } finally {
      this.release();
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.concurrency) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  /** Round robin over live endpoints; when all are dead, wait for the soonest to come back. */
  private pick(): Endpoint {
    const now = Date.now();
    for (let i = 0; i < this.endpoints.length; i++) {
      const e = this.endpoints[(this.next + i) % this.endpoints.length]!;
      if (e.deadUntil <= now) {
        this.next = (this.next + i + 1) % this.endpoints.length;
        return e;
      }
    }
    return this.endpoints.reduce((a, b) => (a.deadUntil <= b.deadUntil ? a : b));
  }

  private async call(
    method: 'GET' | 'POST',
    suffix: string,
    body: string | undefined,
    optional = false,
  ): Promise<unknown> {
    const started = Date.now();
    let lastError = '';
    for (;;) {
      const endpoint = this.pick();
      const wait = endpoint.deadUntil - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        const res = await request(endpoint.url + suffix, {
          method,
          body,
          headers: body ? { 'content-type': 'application/json' } : {},
          dispatcher: this.agent,
          headersTimeout: this.requestTimeoutMs,
          bodyTimeout: this.requestTimeoutMs,
        });
        const text = await res.body.text();
        if (res.statusCode >= 500) throw new Error(`${res.statusCode} ${errorOf(text)}`);
        if (res.statusCode >= 400 && optional) return null;
        if (res.statusCode >= 400)
          throw new KServeRequestError(`${endpoint.url}${suffix}: ${res.statusCode} ${errorOf(text)}`);
        endpoint.failures = 0;
        endpoint.deadUntil = 0;
        try {
          return JSON.parse(text);
        } catch {
          throw new KServeRequestError(`${endpoint.url}${suffix}: the answer is not JSON`);
        }
      } catch (err) {
        if (err instanceof KServeRequestError) throw new InputError(err.message);
        lastError = `${endpoint.url}: ${(err as Error).message}`;
        endpoint.failures++;
        endpoint.deadUntil = Date.now() + Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (endpoint.failures - 1));
        this.retries++;
        if (Date.now() - started > this.timeoutMs) {
          throw new InputError(
            `no teacher service answered for ${(this.timeoutMs / 1000).toFixed(0)} s (--teacher-timeout); last error: ${lastError}`,
          );
        }
      }
    }
  }
}

function errorOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: string };
    if (parsed.error) return parsed.error;
  } catch {
    // not JSON: show the start of the text
  }
  return text.slice(0, 200);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
