//! Frames: how requests and replies travel over a Nimbus connection.
//!
//! A frame is a 4-byte big-endian length, then that many bytes: a protocol version byte and the
//! bincode payload. The length is checked against the connection's maximum *before* anything
//! is allocated for the body, and decoding tells "need more bytes" (`Ok(None)`) from bytes that
//! can never form a frame (`Err`).

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u8 = 1;

/// Bytes before the body: the length.
pub const HEADER_LEN: usize = 4;

/// The default largest frame (Storm's `nimbus.thrift.max_buffer_size`, 1 MiB).
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// No configured maximum may exceed this; it also bounds what bincode will allocate.
pub const MAX_FRAME_CEILING: usize = 64 << 20;

type Codec = Configuration<LittleEndian, Varint, Limit<MAX_FRAME_CEILING>>;

fn codec() -> Codec {
    bincode::config::standard().with_limit::<MAX_FRAME_CEILING>()
}

/// Why bytes are not a frame, or a frame not a message.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length prefix announces more than the connection allows.
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A frame with no version byte.
    #[error("empty frame: no protocol version byte")]
    Empty,
    /// The peer speaks another protocol version.
    #[error("protocol version {found} is not supported (this build speaks {supported})")]
    UnsupportedVersion {
        /// The version byte received.
        found: u8,
        /// The version this build speaks.
        supported: u8,
    },
    /// The payload is not a valid message.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The connection ended in the middle of a frame.
    #[error("connection closed in the middle of a frame")]
    Truncated,
    /// Reading or writing the connection failed.
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
}

/// Where a complete frame's payload sits in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameBounds {
    /// Offset of the payload (after length and version).
    pub payload_start: usize,
    /// Total bytes the frame occupies, header included.
    pub frame_len: usize,
}

/// Looks for one frame at the start of `buf`: `Ok(None)` when more bytes are needed, the
/// bounds when a whole frame is there, an error when the bytes can never be a valid frame.
pub fn decode_frame(buf: &[u8], max: usize) -> Result<Option<FrameBounds>, FrameError> {
    let Some(len) = body_len(buf) else {
        return Ok(None);
    };
    check_len(len, max)?;
    if buf.len() < HEADER_LEN + 1 {
        return Ok(None);
    }
    check_version(buf[HEADER_LEN])?;
    if buf.len() < HEADER_LEN + len {
        return Ok(None);
    }
    Ok(Some(FrameBounds {
        payload_start: HEADER_LEN + 1,
        frame_len: HEADER_LEN + len,
    }))
}

fn body_len(buf: &[u8]) -> Option<usize> {
    let header: [u8; HEADER_LEN] = buf.get(..HEADER_LEN)?.try_into().ok()?;
    Some(u32::from_be_bytes(header) as usize)
}

fn check_len(len: usize, max: usize) -> Result<(), FrameError> {
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > max.min(MAX_FRAME_CEILING) {
        return Err(FrameError::TooLarge { len, max });
    }
    Ok(())
}

fn check_version(version: u8) -> Result<(), FrameError> {
    if version != PROTOCOL_VERSION {
        return Err(FrameError::UnsupportedVersion {
            found: version,
            supported: PROTOCOL_VERSION,
        });
    }
    Ok(())
}

/// Encodes a message as one whole frame; refuses one larger than `max`.
pub fn encode_frame<T: Serialize>(message: &T, max: usize) -> Result<Vec<u8>, FrameError> {
    let mut out = vec![0u8; HEADER_LEN];
    out.push(PROTOCOL_VERSION);
    bincode::serde::encode_into_std_write(message, &mut out, codec())
        .map_err(|e| FrameError::Malformed(e.to_string()))?;
    let len = out.len() - HEADER_LEN;
    check_len(len, max)?;
    let len32 = u32::try_from(len).map_err(|_| FrameError::TooLarge { len, max })?;
    out[..HEADER_LEN].copy_from_slice(&len32.to_be_bytes());
    Ok(out)
}

/// Decodes a payload (the bytes after the version) into a message; every byte must be used.
pub fn decode_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T, FrameError> {
    let (message, used) = bincode::serde::decode_from_slice(payload, codec())
        .map_err(|e| FrameError::Malformed(e.to_string()))?;
    if used != payload.len() {
        return Err(FrameError::Malformed(format!(
            "{} unexpected bytes after the message",
            payload.len() - used
        )));
    }
    Ok(message)
}

/// Reads one message. `Ok(None)` when the peer closed the connection between frames.
pub async fn read_message<T, R>(reader: &mut R, max: usize) -> Result<Option<T>, FrameError>
where
    T: DeserializeOwned,
    R: AsyncRead + Unpin,
{
    let mut header = [0u8; HEADER_LEN + 1];
    let mut filled = 0;
    while filled < header.len() {
        let n = reader.read(&mut header[filled..]).await?;
        if n == 0 {
            return if filled == 0 {
                Ok(None)
            } else {
                // A lone length of 0 is an empty frame, not a truncation.
                match body_len(&header[..filled]) {
                    Some(0) => Err(FrameError::Empty),
                    _ => Err(FrameError::Truncated),
                }
            };
        }
        filled += n;
        if filled >= HEADER_LEN {
            if let Some(len) = body_len(&header) {
                check_len(len, max)?;
            }
        }
    }
    let len = body_len(&header).unwrap_or(0);
    check_len(len, max)?;
    check_version(header[HEADER_LEN])?;
    // Bounded by `max`, checked above.
    let mut payload = vec![0u8; len - 1];
    reader.read_exact(&mut payload).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            FrameError::Truncated
        } else {
            FrameError::Io(e)
        }
    })?;
    decode_payload(&payload).map(Some)
}

/// Writes one message as a frame and flushes.
pub async fn write_message<T, W>(writer: &mut W, message: &T, max: usize) -> Result<(), FrameError>
where
    T: Serialize,
    W: AsyncWrite + Unpin,
{
    let frame = encode_frame(message, max)?;
    writer.write_all(&frame).await?;
    writer.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Msg {
        Ping(u32),
        Blob(Vec<u8>),
    }

    #[test]
    fn a_whole_frame_decodes_and_reports_its_length() {
        let frame = encode_frame(&Msg::Ping(7), 1024).expect("encodes");
        let bounds = decode_frame(&frame, 1024)
            .expect("valid")
            .expect("complete");
        assert_eq!(bounds.frame_len, frame.len());
        let msg: Msg = decode_payload(&frame[bounds.payload_start..bounds.frame_len]).expect("msg");
        assert_eq!(msg, Msg::Ping(7));
    }

    #[test]
    fn a_partial_frame_needs_more_bytes() {
        let frame = encode_frame(&Msg::Blob(vec![1; 100]), 1024).expect("encodes");
        for cut in [0, 1, 3, 4, 5, 50, frame.len() - 1] {
            assert!(
                decode_frame(&frame[..cut], 1024)
                    .expect("not malformed")
                    .is_none(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_length_over_the_maximum_is_refused_from_the_header_alone() {
        let header = u32::MAX.to_be_bytes();
        assert!(matches!(
            decode_frame(&header, 1024),
            Err(FrameError::TooLarge { len, max: 1024 }) if len == u32::MAX as usize
        ));
        assert!(matches!(
            encode_frame(&Msg::Blob(vec![0; 2000]), 1024),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn an_empty_frame_or_another_version_is_malformed() {
        assert!(matches!(
            decode_frame(&[0, 0, 0, 0], 1024),
            Err(FrameError::Empty)
        ));
        assert!(matches!(
            decode_frame(&[0, 0, 0, 2, 9, 0], 1024),
            Err(FrameError::UnsupportedVersion { found: 9, .. })
        ));
    }

    #[test]
    fn garbage_payloads_and_trailing_bytes_are_malformed() {
        assert!(matches!(
            decode_payload::<Msg>(&[0xff, 0xff, 0xff]),
            Err(FrameError::Malformed(_))
        ));
        let frame = encode_frame(&Msg::Ping(1), 1024).expect("encodes");
        let mut payload = frame[HEADER_LEN + 1..].to_vec();
        payload.push(0);
        assert!(matches!(
            decode_payload::<Msg>(&payload),
            Err(FrameError::Malformed(m)) if m.contains("unexpected bytes")
        ));
        // A claimed vector length far beyond the bytes present is refused, not allocated.
        assert!(
            decode_payload::<Msg>(&[1, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]).is_err()
        );
    }

    #[tokio::test]
    async fn messages_round_trip_over_a_stream() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            write_message(&mut a, &Msg::Blob(vec![5; 300]), 1024)
                .await
                .expect("write");
            write_message(&mut a, &Msg::Ping(2), 1024)
                .await
                .expect("write");
        });
        let first: Option<Msg> = read_message(&mut b, 1024).await.expect("read");
        assert_eq!(first, Some(Msg::Blob(vec![5; 300])));
        let second: Option<Msg> = read_message(&mut b, 1024).await.expect("read");
        assert_eq!(second, Some(Msg::Ping(2)));
        writer.await.expect("writer");
        let end: Option<Msg> = read_message(&mut b, 1024).await.expect("clean end");
        assert_eq!(end, None);
    }

    #[tokio::test]
    async fn a_stream_cut_mid_frame_or_oversized_is_an_error() {
        let frame = encode_frame(&Msg::Blob(vec![5; 300]), 1024).expect("encodes");
        let mut cut = &frame[..100];
        assert!(matches!(
            read_message::<Msg, _>(&mut cut, 1024).await,
            Err(FrameError::Truncated)
        ));
        let mut huge: &[u8] = &[0x7f, 0xff, 0xff, 0xff, 1];
        assert!(matches!(
            read_message::<Msg, _>(&mut huge, 1024).await,
            Err(FrameError::TooLarge { .. })
        ));
    }
}
