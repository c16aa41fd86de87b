/**
 * @tcg2sim/binary-codec: bounds-checked readers and writers and declarative struct codecs.
 * Each wire layout is declared once and drives encode, decode and error paths.
 */
export { Tcg2Error, CodedError, DecodeError, withPath, withPath2 } from './errors.ts';
export type { DecodeErrorCode, DecodePath } from './errors.ts';
export { ByteReader } from './reader.ts';
export { ByteWriter } from './writer.ts';
export { allocBytes } from './slab.ts';
export {
  u8, u16le, u16be, u24le, u32le, u32be, u64le, u64be, LE, BE,
  fixedBytes, restBytes, sized, sizedStruct, list, array, struct, union, oneOf, constant, mapped,
  withRaw, encode, decode, decodeFirst, abytes, inPath,
} from './codec.ts';
export type { Codec, Infer, IntCodecs, StructValue, WithRaw } from './codec.ts';
export { toHex, fromHex, concatBytes, equalBytes } from './hex.ts';
export { EFIGuid, guidToString, guidFromString, isGuidString, parseGuid } from './guid.ts';
