// `ernie-slim serve`: the teacher behind the KServe v2 HTTP protocol (what Triton speaks), with dynamic
// batching, on node:http.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TeacherDevice } from '../teacher/onnx-teacher.js';
import { version } from '../version.js';
import { DynamicBatcher } from './dynamic-batcher.js';
import { ProtocolError, TEXT_INPUT, parseInferRequest, requestRows, type InferResponse } from './kserve-protocol.js';
import { openServedModel, type ServedModel } from './served-model.js';

export interface ServeOptions {
  teacher: string;
  vocab?: string;
  lowercase?: boolean;
  host?: string;
  port?: number;
  modelName?: string;
  maxBatch?: number;
  maxQueueDelayMs?: number;
  /** Request bodies larger than this are refused with 413. */
  maxBodyBytes?: number;
  /** Milliseconds a client may take to send a request's headers (default 10 s), and the whole request (default 60 s). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Tokens per row for BYTES text inputs. */
  maxLength?: number;
  device?: TeacherDevice;
  threads?: number;
}

export class TeacherService {
  private inFlight = 0;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly server: http.Server,
    private readonly model: ServedModel,
    private readonly batcher: DynamicBatcher<unknown>,
    private readonly options: Required<Pick<ServeOptions, 'modelName' | 'maxBodyBytes' | 'maxLength'>>,
    private readonly labels: number,
  ) {}

  static async start(options: ServeOptions): Promise<TeacherService> {
    const model = await openServedModel(options.teacher, options);
    try {
      const resolved = {
        modelName: options.modelName ?? 'teacher',
        maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
        maxLength: options.maxLength ?? 128,
      };
      // One probe row checks that the model runs and learns the label count for the metadata.
      const probeRows = await model.rows(
        model.acceptedInputs.includes(TEXT_INPUT)
          ? { kind: 'text', texts: ['[UNK]'], pairs: model.pairsRequired ? ['[UNK]'] : null }
          : { kind: 'ids', rows: [{ ids: BigInt64Array.from([1n]), typeIds: new BigInt64Array(1) }] },
        resolved.maxLength,
      );
      const probe = await model.run(probeRows);
      const maxBatch = options.maxBatch ?? 64;
      const batcher = new DynamicBatcher((rows) => model.run(rows), {
        maxBatch,
        maxQueueDelayMs: options.maxQueueDelayMs ?? 2,
        window: maxBatch * 8,
        lengthOf: (row) => model.lengthOf(row),
      });
      let service: TeacherService | undefined;
      const requestTimeout = options.requestTimeoutMs ?? 60_000;
      const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
      // A slow client (headers or body trickling in) is cut off, not held for Node's 300 s default; the check runs
      // often enough for short limits.
      const server = http.createServer(
        { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
        (req, res) => void service!.handle(req, res),
      );
      server.keepAliveTimeout = 60_000;
      service = new TeacherService(server, model, batcher, resolved, probe.width);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8113, options.host ?? '127.0.0.1', () => resolve());
      });
      return service;
    } catch (err) {
      await model.release();
      throw err;
    }
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  get url(): string {
    const { address, port } = this.address;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}/v2/models/${this.options.modelName}`;
  }

  get stats() {
    return { ...this.batcher.stats, inFlight: this.inFlight };
  }

  /** Stops taking connections, lets in-flight requests finish, then releases the model. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeIdleConnections();
      });
      await this.model.release();
    })();
    return this.closing;
  }

  private metadata() {
    return {
      name: this.options.modelName,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: this.model.inputs,
      outputs: [{ name: this.model.outputName, datatype: 'FP32', shape: [-1, this.labels] }],
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'v2') throw new ProtocolError(404, `no route ${url.pathname}`);
      if (parts.length === 1 && req.method === 'GET')
        return send(res, 200, { name: 'ernie-slim', version, extensions: [] });
      if (parts[1] === 'health' && parts.length === 3 && req.method === 'GET') {
        if (parts[2] === 'live') return send(res, 200, { live: true });
        if (parts[2] === 'ready') return send(res, this.closing ? 503 : 200, { ready: !this.closing });
      }
      if (parts[1] === 'models' && parts.length >= 3) {
        const name = decodeURIComponent(parts[2]!);
        let rest = parts.slice(3);
        if (rest[0] === 'versions') rest = rest.slice(2); // one version: any version path names it
        if (name !== this.options.modelName)
          throw new ProtocolError(404, `unknown model ${name} (this server has ${this.options.modelName})`);
        if (rest.length === 0 && req.method === 'GET') return send(res, 200, this.metadata());
        if (rest.length === 1 && rest[0] === 'ready' && req.method === 'GET')
          return send(res, 200, { name, ready: true });
        if (rest.length === 1 && rest[0] === 'infer') {
          if (req.method !== 'POST') throw new ProtocolError(405, 'infer takes POST');
          return send(res, 200, await this.infer(req));
        }
      }
      throw new ProtocolError(404, `no route ${req.method} ${url.pathname}`);
    } catch (err) {
      if (err instanceof ProtocolError) return send(res, err.status, { error: err.message });
      return send(res, 500, { error: (err as Error).message.split('\n')[0] });
    } finally {
      this.inFlight--;
    }
  }

  private async infer(req: http.IncomingMessage): Promise<InferResponse> {
    const body = await readBody(req, this.options.maxBodyBytes);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new ProtocolError(400, `malformed JSON: ${(err as Error).message}`);
    }
    const request = parseInferRequest(json);
    for (const output of request.outputs ?? []) {
      if (output.name !== this.model.outputName)
        throw new ProtocolError(400, `unknown output ${output.name} (this model gives ${this.model.outputName})`);
    }
    const rows = await this.model.rows(requestRows(request, this.model.acceptedInputs), this.options.maxLength);
    let result: { values: Float32Array; width: number };
    try {
      result = await this.batcher.submit(rows);
    } catch (err) {
      // The model ran at start-up, so a failure on one request's rows is that request's input.
      throw new ProtocolError(
        400,
        `the teacher cannot run this input: ${(err as Error).message.replace(/^.*?: the teacher failed/, 'the teacher failed').replace(/^.*Status Message: /, '')}`,
      );
    }
    const { values, width } = result;
    const response: InferResponse = {
      model_name: this.options.modelName,
      model_version: '1',
      outputs: [
        { name: this.model.outputName, shape: [rows.length, width], datatype: 'FP32', data: Array.from(values) },
      ],
    };
    if (request.id !== undefined) response.id = request.id;
    return response;
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      reject(new ProtocolError(413, `request body of ${declared} bytes is over the ${limit}-byte limit`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ProtocolError(413, `request body is over the ${limit}-byte limit`));
        req.resume();
        req.removeAllListeners('data');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
