//! Frames: a 4-byte big-endian length, then a record (version byte and bincode body).
//!
//! The length is checked against the connection's maximum *before* anything is allocated for the
//! body, and [`FrameCodec::decode`] tells "need more bytes" (`Ok(None)`) from bytes that can
//! never form a frame (`Err`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::CodecError;
use crate::record::{check_version, decode_body, encode_record_into};
use crate::MAX_BODY_CEILING;

/// Bytes before the record: the length.
pub const HEADER_LEN: usize = 4;

/// Where a complete frame's payload sits in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameBounds {
    /// Offset of the payload (after length and version).
    pub payload_start: usize,
    /// Total bytes the frame occupies, header included.
    pub frame_len: usize,
}

/// The frames of one protocol: its version and the largest frame a connection accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCodec {
    version: u8,
    max: usize,
}

impl FrameCodec {
    /// Frames of protocol `version`, at most `max` bytes after the length (capped at
    /// [`MAX_BODY_CEILING`]).
    pub fn new(version: u8, max: usize) -> Self {
        Self {
            version,
            max: max.min(MAX_BODY_CEILING),
        }
    }

    /// The protocol version.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The largest frame, after the length.
    pub fn max_len(&self) -> usize {
        self.max
    }

    /// Encodes a message as one whole frame; refuses one larger than the maximum.
    pub fn encode<T: Serialize + ?Sized>(&self, message: &T) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::with_capacity(64);
        self.encode_into(&mut out, message)?;
        Ok(out)
    }

    /// Appends a message as one whole frame to `out`; on error `out` is left as it was.
    pub fn encode_into<T: Serialize + ?Sized>(
        &self,
        out: &mut Vec<u8>,
        message: &T,
    ) -> Result<(), CodecError> {
        let start = out.len();
        out.extend_from_slice(&[0; HEADER_LEN]);
        let encoded = encode_record_into(out, self.version, message).and_then(|()| {
            let len = out.len() - start - HEADER_LEN;
            self.check_len(len)?;
            u32::try_from(len).map_err(|_| CodecError::TooLarge { len, max: self.max })
        });
        match encoded {
            Ok(len) => {
                out[start..start + HEADER_LEN].copy_from_slice(&len.to_be_bytes());
                Ok(())
            }
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Looks for one frame at the start of `buf`: `Ok(None)` when more bytes are needed, the
    /// bounds when a whole frame is there, an error when the bytes can never be a valid frame.
    pub fn decode(&self, buf: &[u8]) -> Result<Option<FrameBounds>, CodecError> {
        let Some(len) = body_len(buf) else {
            return Ok(None);
        };
        self.check_len(len)?;
        let Some(&version) = buf.get(HEADER_LEN) else {
            return Ok(None);
        };
        check_version(version, self.version)?;
        if buf.len() < HEADER_LEN + len {
            return Ok(None);
        }
        Ok(Some(FrameBounds {
            payload_start: HEADER_LEN + 1,
            frame_len: HEADER_LEN + len,
        }))
    }

    /// Decodes a payload (the bytes after the version) into a message; every byte must be used.
    pub fn decode_payload<T: DeserializeOwned>(&self, payload: &[u8]) -> Result<T, CodecError> {
        decode_body(payload)
    }

    /// Reads one message. `Ok(None)` when the peer closed the connection between frames
    /// (with or without TLS's `close_notify`).
    pub async fn read<T, R>(&self, reader: &mut R) -> Result<Option<T>, CodecError>
    where
        T: DeserializeOwned,
        R: AsyncRead + Unpin,
    {
        let mut header = [0u8; HEADER_LEN + 1];
        let mut filled = 0;
        while filled < header.len() {
            let n = match reader.read(&mut header[filled..]).await {
                // TLS reports a peer that closed without `close_notify` so; between frames
                // that is the same close as plain TCP's.
                Err(e) if filled == 0 && e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
                r => r?,
            };
            if n == 0 {
                return if filled == 0 {
                    Ok(None)
                } else {
                    // A lone length of 0 is an empty frame, not a truncation.
                    match body_len(&header[..filled]) {
                        Some(0) => Err(CodecError::Empty),
                        _ => Err(CodecError::Truncated),
                    }
                };
            }
            filled += n;
            if let Some(len) = body_len(&header[..filled]) {
                self.check_len(len)?;
            }
        }
        let len = body_len(&header).unwrap_or(0);
        self.check_len(len)?;
        check_version(header[HEADER_LEN], self.version)?;
        // Bounded by the maximum, checked above.
        let mut payload = vec![0u8; len - 1];
        reader.read_exact(&mut payload).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                CodecError::Truncated
            } else {
                CodecError::Io(e)
            }
        })?;
        decode_body(&payload).map(Some)
    }

    /// Writes one message as a frame and flushes.
    pub async fn write<T, W>(&self, writer: &mut W, message: &T) -> Result<(), CodecError>
    where
        T: Serialize + ?Sized,
        W: AsyncWrite + Unpin,
    {
        let frame = self.encode(message)?;
        writer.write_all(&frame).await?;
        writer.flush().await?;
        Ok(())
    }

    fn check_len(&self, len: usize) -> Result<(), CodecError> {
        if len == 0 {
            return Err(CodecError::Empty);
        }
        if len > self.max {
            return Err(CodecError::TooLarge { len, max: self.max });
        }
        Ok(())
    }
}

fn body_len(buf: &[u8]) -> Option<usize> {
    let header: [u8; HEADER_LEN] = buf.get(..HEADER_LEN)?.try_into().ok()?;
    Some(u32::from_be_bytes(header) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Msg {
        Ping(u32),
        Blob(Vec<u8>),
    }

    const CODEC: FrameCodec = FrameCodec {
        version: 1,
        max: 1024,
    };

    #[test]
    fn a_whole_frame_decodes_and_reports_its_length() {
        let frame = CODEC.encode(&Msg::Ping(7)).expect("encodes");
        let bounds = CODEC.decode(&frame).expect("valid").expect("complete");
        assert_eq!(bounds.frame_len, frame.len());
        let msg: Msg = CODEC
            .decode_payload(&frame[bounds.payload_start..bounds.frame_len])
            .expect("msg");
        assert_eq!(msg, Msg::Ping(7));
    }

    #[test]
    fn frames_appended_to_one_buffer_decode_one_after_another() {
        let mut buf = Vec::new();
        CODEC.encode_into(&mut buf, &Msg::Ping(1)).expect("first");
        CODEC.encode_into(&mut buf, &Msg::Ping(2)).expect("second");
        assert!(CODEC
            .encode_into(&mut buf, &Msg::Blob(vec![0; 2000]))
            .is_err());
        let first = CODEC.decode(&buf).expect("valid").expect("complete");
        let second = CODEC
            .decode(&buf[first.frame_len..])
            .expect("valid")
            .expect("complete");
        assert_eq!(
            first.frame_len + second.frame_len,
            buf.len(),
            "the refused frame left nothing"
        );
    }

    #[test]
    fn a_partial_frame_needs_more_bytes() {
        let frame = CODEC.encode(&Msg::Blob(vec![1; 100])).expect("encodes");
        for cut in [0, 1, 3, 4, 5, 50, frame.len() - 1] {
            assert!(
                CODEC
                    .decode(&frame[..cut])
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
            CODEC.decode(&header),
            Err(CodecError::TooLarge { len, max: 1024 }) if len == u32::MAX as usize
        ));
        assert!(matches!(
            CODEC.encode(&Msg::Blob(vec![0; 2000])),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn an_empty_frame_or_another_version_is_malformed() {
        assert!(matches!(
            CODEC.decode(&[0, 0, 0, 0]),
            Err(CodecError::Empty)
        ));
        assert!(matches!(
            CODEC.decode(&[0, 0, 0, 2, 9, 0]),
            Err(CodecError::UnsupportedVersion { found: 9, .. })
        ));
    }

    #[test]
    fn garbage_payloads_and_trailing_bytes_are_malformed() {
        assert!(matches!(
            CODEC.decode_payload::<Msg>(&[0xff, 0xff, 0xff]),
            Err(CodecError::Malformed(_))
        ));
        let frame = CODEC.encode(&Msg::Ping(1)).expect("encodes");
        let mut payload = frame[HEADER_LEN + 1..].to_vec();
        payload.push(0);
        assert!(matches!(
            CODEC.decode_payload::<Msg>(&payload),
            Err(CodecError::TrailingBytes { extra: 1 })
        ));
        // A claimed vector length far beyond the bytes present is refused, not allocated.
        assert!(CODEC
            .decode_payload::<Msg>(&[1, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0])
            .is_err());
    }

    #[tokio::test]
    async fn messages_round_trip_over_a_stream() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            CODEC
                .write(&mut a, &Msg::Blob(vec![5; 300]))
                .await
                .expect("write");
            CODEC.write(&mut a, &Msg::Ping(2)).await.expect("write");
        });
        let first: Option<Msg> = CODEC.read(&mut b).await.expect("read");
        assert_eq!(first, Some(Msg::Blob(vec![5; 300])));
        let second: Option<Msg> = CODEC.read(&mut b).await.expect("read");
        assert_eq!(second, Some(Msg::Ping(2)));
        writer.await.expect("writer");
        let end: Option<Msg> = CODEC.read(&mut b).await.expect("clean end");
        assert_eq!(end, None);
    }

    #[tokio::test]
    async fn a_stream_cut_mid_frame_or_oversized_is_an_error() {
        let frame = CODEC.encode(&Msg::Blob(vec![5; 300])).expect("encodes");
        let mut cut = &frame[..100];
        assert!(matches!(
            CODEC.read::<Msg, _>(&mut cut).await,
            Err(CodecError::Truncated)
        ));
        let mut huge: &[u8] = &[0x7f, 0xff, 0xff, 0xff, 1];
        assert!(matches!(
            CODEC.read::<Msg, _>(&mut huge).await,
            Err(CodecError::TooLarge { .. })
        ));
    }

    /// A reader that yields `bytes`, then fails as TLS does when the peer closed without
    /// `close_notify`.
    fn then_unexpected_eof(bytes: &[u8]) -> impl AsyncRead + Unpin + '_ {
        struct Eof;
        impl AsyncRead for Eof {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                _: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Err(std::io::ErrorKind::UnexpectedEof.into()))
            }
        }
        bytes.chain(Eof)
    }

    #[tokio::test]
    async fn a_tls_close_without_close_notify_between_frames_is_a_clean_end() {
        let frame = CODEC.encode(&Msg::Ping(7)).expect("encodes");
        let mut r = then_unexpected_eof(&frame);
        assert_eq!(
            CODEC.read::<Msg, _>(&mut r).await.expect("frame"),
            Some(Msg::Ping(7))
        );
        assert_eq!(CODEC.read::<Msg, _>(&mut r).await.expect("clean end"), None);
        let mut cut = then_unexpected_eof(&frame[..2]);
        assert!(
            CODEC.read::<Msg, _>(&mut cut).await.is_err(),
            "mid-header is no clean end"
        );
    }
}
