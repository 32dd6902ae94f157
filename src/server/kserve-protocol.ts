// KServe v2 (Open Inference Protocol) JSON bodies: parsing and checking infer requests into token rows.

/** One row of teacher input ids, unpadded. */
export interface TokenRow {
  ids: BigInt64Array;
  typeIds: BigInt64Array;
}

export interface RequestInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data: unknown[];
}

export interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: RequestInput[];
  outputs?: { name: string }[];
}

export interface ResponseOutput {
  name: string;
  shape: number[];
  datatype: string;
  data: number[] | string[];
}

export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: ResponseOutput[];
}

/** A request the server cannot take: answered with this status and `{"error": message}`. */
export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const ID_INPUTS = ['input_ids', 'token_type_ids', 'attention_mask'] as const;
export const TEXT_INPUT = 'text';
export const TEXT_PAIR_INPUT = 'text_pair';

/** What a parsed request asks for: rows of ids, or texts the server tokenizes. */
export type ParsedInputs =
  { kind: 'ids'; rows: TokenRow[] } | { kind: 'text'; texts: string[]; pairs: string[] | null };

export function parseInferRequest(body: unknown): InferRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ProtocolError(400, 'the request body must be a JSON object');
  const req = body as Record<string, unknown>;
  if (req.id !== undefined && typeof req.id !== 'string') throw new ProtocolError(400, '"id" must be a string');
  if (!Array.isArray(req.inputs) || req.inputs.length === 0)
    throw new ProtocolError(400, '"inputs" must be a non-empty array');
  const inputs = req.inputs.map((input, i) => {
    if (typeof input !== 'object' || input === null) throw new ProtocolError(400, `inputs[${i}] must be an object`);
    const { name, shape, datatype, data } = input as Record<string, unknown>;
    if (typeof name !== 'string') throw new ProtocolError(400, `inputs[${i}].name must be a string`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      throw new ProtocolError(400, `input ${name}: "shape" must be an array of non-negative integers`);
    if (typeof datatype !== 'string') throw new ProtocolError(400, `input ${name}: "datatype" must be a string`);
    if (!Array.isArray(data)) throw new ProtocolError(400, `input ${name}: "data" must be an array`);
    return { name, shape: shape as number[], datatype, data: data as unknown[] };
  });
  const names = new Set<string>();
  for (const input of inputs) {
    if (names.has(input.name)) throw new ProtocolError(400, `input ${input.name} is given twice`);
    names.add(input.name);
  }
  const out: InferRequest = { inputs };
  if (typeof req.id === 'string') out.id = req.id;
  if (req.outputs !== undefined) {
    if (!Array.isArray(req.outputs)) throw new ProtocolError(400, '"outputs" must be an array of { "name": ... }');
    req.outputs.forEach((o, i) => {
      if (typeof o !== 'object' || o === null || typeof (o as { name?: unknown }).name !== 'string')
        throw new ProtocolError(400, `outputs[${i}] must be an object with a string "name"`);
    });
    out.outputs = req.outputs as { name: string }[];
  }
  return out;
}

/** Turns the request's tensors into rows: the model's id inputs, or a BYTES `text` input. */
export function requestRows(req: InferRequest, acceptedInputs: readonly string[]): ParsedInputs {
  const byName = new Map(req.inputs.map((i) => [i.name, i]));
  const known = new Set<string>([...acceptedInputs, TEXT_INPUT, TEXT_PAIR_INPUT]);
  for (const input of req.inputs) {
    if (!known.has(input.name))
      throw new ProtocolError(400, `unknown input ${input.name} (this model takes ${acceptedInputs.join(', ')})`);
  }
  const text = byName.get(TEXT_INPUT);
  if (text) {
    if (byName.has('input_ids')) throw new ProtocolError(400, `give either ${TEXT_INPUT} or input_ids, not both`);
    const texts = bytesTensor(text);
    if (texts.length === 0) throw new ProtocolError(400, `input ${TEXT_INPUT}: an empty batch; send at least one text`);
    const pairInput = byName.get(TEXT_PAIR_INPUT);
    const pairs = pairInput ? bytesTensor(pairInput) : null;
    if (pairs && pairs.length !== texts.length)
      throw new ProtocolError(400, `${TEXT_PAIR_INPUT} has ${pairs.length} elements, ${TEXT_INPUT} ${texts.length}`);
    return { kind: 'text', texts, pairs };
  }
  const ids = byName.get('input_ids');
  if (!ids) throw new ProtocolError(400, `missing input input_ids (or a BYTES ${TEXT_INPUT} input)`);
  const [batch, seq] = matrixShape(ids);
  if (batch === 0)
    throw new ProtocolError(400, `input input_ids: an empty batch (shape [0, ${seq}]); send at least one row`);
  if (seq === 0) throw new ProtocolError(400, `input input_ids: rows of no tokens (shape [${batch}, 0])`);
  const idData = intTensor(ids, batch * seq);
  const types = byName.get('token_type_ids');
  const mask = byName.get('attention_mask');
  const typeData = types ? intTensor(types, batch * seq, [batch, seq]) : null;
  const maskData = mask ? intTensor(mask, batch * seq, [batch, seq]) : null;
  const rows: TokenRow[] = [];
  for (let r = 0; r < batch; r++) {
    let len = seq;
    // Rows are right-padded: the mask's leading ones are the row's real tokens.
    if (maskData) {
      len = 0;
      while (len < seq && maskData[r * seq + len] !== 0n) len++;
      if (len === 0)
        throw new ProtocolError(400, `input attention_mask: row ${r} has no tokens (its mask starts with 0)`);
    }
    rows.push({
      ids: idData.slice(r * seq, r * seq + len),
      typeIds: typeData ? typeData.slice(r * seq, r * seq + len) : new BigInt64Array(len),
    });
  }
  return { kind: 'ids', rows };
}

function matrixShape(input: RequestInput): [number, number] {
  if (input.shape.length !== 2)
    throw new ProtocolError(
      400,
      `input ${input.name}: shape must be [batch, sequence], got [${input.shape.join(', ')}]`,
    );
  return [input.shape[0]!, input.shape[1]!];
}

function intTensor(input: RequestInput, count: number, expectShape?: [number, number]): BigInt64Array {
  if (input.datatype !== 'INT64' && input.datatype !== 'INT32')
    throw new ProtocolError(400, `input ${input.name}: datatype must be INT64 or INT32, got ${input.datatype}`);
  if (
    expectShape &&
    (input.shape.length !== 2 || input.shape[0] !== expectShape[0] || input.shape[1] !== expectShape[1])
  ) {
    throw new ProtocolError(
      400,
      `input ${input.name}: shape [${input.shape.join(', ')}] differs from input_ids [${expectShape.join(', ')}]`,
    );
  }
  const flat = input.data.flat(Infinity) as unknown[];
  if (flat.length !== count)
    throw new ProtocolError(
      400,
      `input ${input.name}: shape [${input.shape.join(', ')}] needs ${count} values, got ${flat.length}`,
    );
  const out = new BigInt64Array(count);
  for (let i = 0; i < count; i++) {
    const v = flat[i];
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new ProtocolError(400, `input ${input.name}: element ${i} is not an integer`);
    // ONNX Gather would wrap a negative id to the end of the table: a wrong answer, not an error.
    if (v < 0) throw new ProtocolError(400, `input ${input.name}: element ${i} is ${v}; ids must be non-negative`);
    out[i] = BigInt(v);
  }
  return out;
}

function bytesTensor(input: RequestInput): string[] {
  if (input.datatype !== 'BYTES')
    throw new ProtocolError(400, `input ${input.name}: datatype must be BYTES, got ${input.datatype}`);
  const flat = input.data.flat(Infinity) as unknown[];
  const count = input.shape.reduce((a, b) => a * b, 1);
  if (input.shape.length < 1 || input.shape.length > 2 || (input.shape.length === 2 && input.shape[1] !== 1)) {
    throw new ProtocolError(
      400,
      `input ${input.name}: shape must be [batch] or [batch, 1], got [${input.shape.join(', ')}]`,
    );
  }
  if (flat.length !== count)
    throw new ProtocolError(
      400,
      `input ${input.name}: shape [${input.shape.join(', ')}] needs ${count} values, got ${flat.length}`,
    );
  return flat.map((v, i) => {
    if (typeof v !== 'string') throw new ProtocolError(400, `input ${input.name}: element ${i} is not a string`);
    return v;
  });
}
