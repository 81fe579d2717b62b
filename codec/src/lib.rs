//! The cluster's one wire format, used wherever bytes leave a process: znode values (`storm-zk`),
//! the Nimbus protocol (`storm-client`) and tuples between workers (`storm-worker`).
//!
//! * A **record** ([`record`]) is one version byte, then the value in bincode 2
//!   (`config::standard()`). The version lets a layout evolve: a reader that meets a version it
//!   does not know says so instead of misreading the bytes.
//! * A **frame** ([`frame`]) is a 4-byte big-endian length, then a record. The length is checked
//!   against the connection's maximum *before* anything is allocated for the body, and decoding
//!   tells "need more bytes" (`Ok(None)`) from bytes that can never form a frame (`Err`).
//!
//! * A **handshake** ([`handshake`]) opens a connection that must be authenticated: both ends
//!   prove a shared secret by HMAC-SHA256 challenge-response (worker links, the Nimbus port).
//!
//! * **TLS** ([`tls`]), optional, under any of them: PEM files to rustls configs, and the
//!   plain-or-TLS stream the connections use.
//!
//! Decoding never panics and never allocates more than [`MAX_BODY_CEILING`] for a length read
//! from the bytes.
//!
//! ```
//! use storm_codec::{decode_record, encode_record, FrameCodec};
//!
//! let bytes = encode_record(1, &("node-1", 6700u16)).unwrap();
//! let back: (String, u16) = decode_record(1, &bytes).unwrap();
//! assert_eq!(back, ("node-1".to_owned(), 6700));
//!
//! let frames = FrameCodec::new(1, 1024);
//! let frame = frames.encode(&vec![1u8, 2, 3]).unwrap();
//! let bounds = frames.decode(&frame).unwrap().expect("a whole frame");
//! let payload: Vec<u8> = frames.decode_payload(&frame[bounds.payload_start..bounds.frame_len]).unwrap();
//! assert_eq!(payload, [1, 2, 3]);
//! ```

pub mod error;
pub mod frame;
pub mod handshake;
pub mod record;
pub mod tls;

pub use error::CodecError;
pub use frame::{FrameBounds, FrameCodec, HEADER_LEN};
pub use record::{decode_body, decode_record, encode_record, encode_record_into};

/// The largest body bincode may be asked to decode: it bounds what a length read from the bytes
/// can make bincode allocate, whatever a caller's own maximum is.
pub const MAX_BODY_CEILING: usize = 64 << 20;
