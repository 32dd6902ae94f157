// Reads an ONNX model's metadata_props without decoding its (possibly huge) graph.
import fs from 'node:fs';
import protobuf from 'protobufjs/minimal.js';
import { onnx } from './graph-builder.js';

const METADATA_PROPS_FIELD = 14; // ModelProto.metadata_props

/** Key/value metadata of a serialized ModelProto; throws if the bytes are not a protobuf message. */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const reader = protobuf.Reader.create(bytes);
  const out: Record<string, string> = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === METADATA_PROPS_FIELD) {
      const entry = onnx.StringStringEntryProto.decode(reader, reader.uint32());
      out[entry.key] = entry.value;
    } else {
      reader.skipType(tag & 7);
    }
  }
  return out;
}

export async function readOnnxMetadataFile(file: string): Promise<Record<string, string>> {
  return readOnnxMetadata(await fs.promises.readFile(file));
}
