//! Records: one version byte, then the value in bincode 2 (`config::standard()`), every byte used.

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::CodecError;
use crate::MAX_BODY_CEILING;

type Config = Configuration<LittleEndian, Varint, Limit<MAX_BODY_CEILING>>;

fn config() -> Config {
    bincode::config::standard().with_limit::<MAX_BODY_CEILING>()
}

/// Encodes `value` as a record of `version`.
pub fn encode_record<T: Serialize + ?Sized>(version: u8, value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(64);
    encode_record_into(&mut out, version, value)?;
    Ok(out)
}

/// Appends `value` as a record of `version` to `out`.
pub fn encode_record_into<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    version: u8,
    value: &T,
) -> Result<(), CodecError> {
    out.push(version);
    bincode::serde::encode_into_std_write(value, out, config())
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    Ok(())
}

/// Decodes a record that must be of `version`.
pub fn decode_record<T: DeserializeOwned>(version: u8, bytes: &[u8]) -> Result<T, CodecError> {
    let Some((&found, body)) = bytes.split_first() else {
        return Err(CodecError::Empty);
    };
    check_version(found, version)?;
    decode_body(body)
}

/// Decodes a record's body (the bytes after the version); every byte must be used.
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, CodecError> {
    let (value, used) = bincode::serde::decode_from_slice(body, config())
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if used != body.len() {
        return Err(CodecError::TrailingBytes {
            extra: body.len() - used,
        });
    }
    Ok(value)
}

pub(crate) fn check_version(found: u8, supported: u8) -> Result<(), CodecError> {
    if found == supported {
        Ok(())
    } else {
        Err(CodecError::UnsupportedVersion { found, supported })
    }
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
        let bytes = encode_record(3, &sample()).expect("encodes");
        assert_eq!(bytes[0], 3);
        let back: Sample = decode_record(3, &bytes).expect("decodes");
        assert_eq!(back, sample());
    }

    #[test]
    fn empty_bytes_are_an_error() {
        let err = decode_record::<Sample>(1, &[]).expect_err("empty");
        assert!(matches!(err, CodecError::Empty), "{err}");
    }

    #[test]
    fn an_unknown_version_is_named() {
        let mut bytes = encode_record(1, &sample()).expect("encodes");
        bytes[0] = 9;
        let err = decode_record::<Sample>(1, &bytes).expect_err("version 9");
        assert!(
            matches!(
                err,
                CodecError::UnsupportedVersion {
                    found: 9,
                    supported: 1
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("version 9"), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for garbage in [
            vec![1],
            vec![1, 0xff],
            vec![1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            vec![1, 3, 0xc3, 0x28, 0xa1, 0, 0],
        ] {
            let err = decode_record::<Sample>(1, &garbage).expect_err("garbage");
            assert!(err.is_malformed(), "{err}");
        }
    }

    #[test]
    fn a_huge_length_prefix_does_not_allocate() {
        // Version, then a varint u64 length of 2^62 for the `name` string.
        let mut bytes = vec![1, 0xfd];
        bytes.extend_from_slice(&(1u64 << 62).to_le_bytes());
        let err = decode_record::<Sample>(1, &bytes).expect_err("limit");
        assert!(matches!(err, CodecError::Malformed(_)), "{err}");
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut bytes = encode_record(1, &sample()).expect("encodes");
        bytes.push(0);
        let err = decode_record::<Sample>(1, &bytes).expect_err("trailing");
        assert!(
            matches!(err, CodecError::TrailingBytes { extra: 1 }),
            "{err}"
        );
    }
}
