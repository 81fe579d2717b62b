//! The znode value format: a `storm-codec` record (one version byte, then bincode 2) of the
//! layout [`VERSION`], with the record type or znode path named in errors.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// The layout version this build writes and reads (2: `SupervisorInfo` carries its workers'
/// heartbeats).
pub const VERSION: u8 = 2;

/// Encodes `value` (a `what`, named in errors) with the version byte in front.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>> {
    storm_codec::encode_record(VERSION, value).map_err(|source| Error::Encode { what, source })
}

/// Decodes the value stored at `path` (named in errors).
pub fn decode<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T> {
    storm_codec::decode_record(VERSION, bytes).map_err(|source| Error::Decode {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_znode_and_the_version() {
        let mut bytes = encode("port", &6700u16).expect("encodes");
        assert_eq!(decode::<u16>("/x", &bytes).expect("decodes"), 6700);
        bytes[0] = 9;
        let err = decode::<u16>("/supervisors/a", &bytes).expect_err("version 9");
        assert!(err.is_codec());
        let text = err.to_string();
        assert!(
            text.contains("/supervisors/a") && text.contains("version 9"),
            "{text}"
        );
    }
}
