// Wire protocol, mirror of cobrowse/protocol.py (a test checks that both agree).
// Every frame is a msgpack array [type, seq, body].
import { decode as mpDecode, encode as mpEncode } from "@msgpack/msgpack";

export const PROTOCOL_VERSION = 1;

export const Msg = Object.freeze({
  WELCOME: 1,
  SNAPSHOT: 2,
  MUTATIONS: 3,
  POINTER: 4,
  SCROLL: 5,
  PARTICIPANTS: 9,
  NOTICE: 10,
  ENDED: 11,
  LOADING: 12,

  HELLO: 64,
  NAVIGATE: 65,
  CLICK: 66,
  POINTER_MOVE: 67,
  SUBMIT: 68,
  LEAVE: 69,
  END: 70,
  VIEWPORT: 71,
});

/** Encode one client frame. */
export function encode(type, body) {
  return mpEncode([type, 0, body]);
}

/** Decode one server frame into {type, seq, body}. */
export function decode(data) {
  const [type, seq, body] = mpDecode(new Uint8Array(data));
  return { type, seq, body };
}
