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
  HOVER: 6,
  PULSE: 7,
  CITIZEN_POINTER: 8,
  PARTICIPANTS: 9,
  NOTICE: 10,
  ENDED: 11,
  LOADING: 12,
  ADMISSIONS: 20,
  WAITING: 21,
  CODE: 22,
  IDLE_WARNING: 23,

  HELLO: 64,
  NAVIGATE: 65,
  CLICK: 66,
  POINTER_MOVE: 67,
  SUBMIT: 68,
  LEAVE: 69,
  END: 70,
  VIEWPORT: 71,
  SCROLL_TO: 72,
  HOVER_AT: 73,
  INPUT_SET: 74,
  TOGGLE: 75,
  HIGHLIGHT_SET: 76,
  PULSE_AT: 77,
  HISTORY_GO: 78,
  ADMIT: 88,
  DENY: 89,
  REMOVE: 90,
  NEW_CODE: 91,
  EXTEND: 92,
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
