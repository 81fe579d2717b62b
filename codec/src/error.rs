//! Why bytes are not a record or a frame.

/// What went wrong encoding or decoding.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The value could not be encoded (a serializer refused it).
    #[error("encoding: {0}")]
    Encode(String),
    /// The bytes are not a valid value of the expected type.
    #[error("malformed: {0}")]
    Malformed(String),
    /// There was not even a version byte.
    #[error("empty: no version byte")]
    Empty,
    /// The bytes were written by a version this build does not read.
    #[error("version {found} is not supported (this build speaks {supported})")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
        /// The version this build writes and reads.
        supported: u8,
    },
    /// A value decoded but bytes were left over: the bytes hold something else.
    #[error("{extra} unexpected bytes after the value")]
    TrailingBytes {
        /// How many bytes were left.
        extra: usize,
    },
    /// A frame's length prefix announces more than the connection allows.
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// The connection ended in the middle of a frame.
    #[error("connection closed in the middle of a frame")]
    Truncated,
    /// Reading or writing the connection failed.
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
}

impl CodecError {
    /// Whether the bytes themselves were bad (as opposed to the connection failing): a peer
    /// that sends such bytes is not speaking this protocol.
    pub fn is_malformed(&self) -> bool {
        !matches!(self, CodecError::Io(_) | CodecError::Encode(_))
    }

    /// Whether this is a TLS record read as a frame: the length prefix is a TLS record header
    /// (alert or handshake, version 3.x), so the peer speaks TLS to a plain end.
    pub fn is_tls_record(&self) -> bool {
        match self {
            CodecError::TooLarge { len, .. } => {
                let kind = (len >> 24) & 0xff;
                (kind == 0x15 || kind == 0x16) && (len >> 16) & 0xff == 3
            }
            _ => false,
        }
    }
}
