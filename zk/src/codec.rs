//! The znode value format: one version byte, then the record in bincode 2 (`config::standard()`).
//!
//! The version byte lets the layout evolve: a build that meets a version it does not know says
//! so ([`Error::UnknownVersion`]) instead of misreading the bytes. Decoding never panics and never
//! allocates more than [`MAX_VALUE_BYTES`] for a length read from the bytes.

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// The layout version this build writes and reads.
pub const VERSION: u8 = 1;

/// Largest value decoded (ZooKeeper's own default limit, `jute.maxbuffer`, is 1 MiB).
pub const MAX_VALUE_BYTES: usize = 16 << 20;

type Config = Configuration<LittleEndian, Varint, Limit<MAX_VALUE_BYTES>>;

fn config() -> Config {
    bincode::config::standard().with_limit::<MAX_VALUE_BYTES>()
}

/// Encodes `value` (a `what`, named in errors) with the version byte in front.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    out.push(VERSION);
    bincode::serde::encode_into_std_write(value, &mut out, config())
        .map_err(|source| Error::Encode { what, source })?;
    Ok(out)
}

/// Decodes the value stored at `path` (named in errors).
pub fn decode<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T> {
    let Some((&version, body)) = bytes.split_first() else {
        return Err(Error::Empty {
            path: path.to_owned(),
        });
    };
    if version != VERSION {
        return Err(Error::UnknownVersion {
            path: path.to_owned(),
            found: version,
            supported: VERSION,
        });
    }
    let (value, used) =
        bincode::serde::decode_from_slice(body, config()).map_err(|source| Error::Decode {
            path: path.to_owned(),
            source,
        })?;
    if used != body.len() {
        return Err(Error::TrailingBytes {
            path: path.to_owned(),
            extra: body.len() - used,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        name: String,
        ports: Vec<u16>,
        secs: u64,
    }

    fn sample() -> Sample {
        Sample {
            name: "node-1".into(),
            ports: vec![6700, 6701],
            secs: 1_700_000_000,
        }
    }

    #[test]
    fn round_trips_with_a_leading_version_byte() {
        let bytes = encode("sample", &sample()).expect("encodes");
        assert_eq!(bytes[0], VERSION);
        let back: Sample = decode("/x", &bytes).expect("decodes");
        assert_eq!(back, sample());
    }

    #[test]
    fn empty_bytes_are_an_error() {
        let err = decode::<Sample>("/x", &[]).expect_err("empty");
        assert!(
            matches!(err, Error::Empty { ref path } if path == "/x"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_version_is_named() {
        let mut bytes = encode("sample", &sample()).expect("encodes");
        bytes[0] = 9;
        let err = decode::<Sample>("/x", &bytes).expect_err("version 9");
        assert!(
            matches!(
                err,
                Error::UnknownVersion {
                    found: 9,
                    supported: VERSION,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("version 9"), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for garbage in [
            vec![VERSION],
            vec![VERSION, 0xff],
            vec![
                VERSION, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
            vec![VERSION, 3, 0xc3, 0x28, 0xa1, 0, 0],
        ] {
            let err = decode::<Sample>("/x", &garbage).expect_err("garbage");
            assert!(err.is_codec(), "{err}");
        }
    }

    #[test]
    fn a_huge_length_prefix_does_not_allocate() {
        // Version, then a varint u64 length of 2^62 for the `name` string.
        let mut bytes = vec![VERSION, 0xfd];
        bytes.extend_from_slice(&(1u64 << 62).to_le_bytes());
        let err = decode::<Sample>("/x", &bytes).expect_err("limit");
        assert!(matches!(err, Error::Decode { .. }), "{err}");
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut bytes = encode("sample", &sample()).expect("encodes");
        bytes.push(0);
        let err = decode::<Sample>("/x", &bytes).expect_err("trailing");
        assert!(
            matches!(err, Error::TrailingBytes { extra: 1, .. }),
            "{err}"
        );
    }
}
