//! Loopback throughput of a worker link's byte stream: a raw `TcpStream`'s owned halves, the
//! plain arm of `MaybeTlsStream` (what links use with TLS off: an enum match per call and a
//! flush after each gathered write) and mutual TLS 1.3. 2 GiB in 1 MiB writes, the reader
//! taking 256 KiB at a time, as `worker/src/transport/` does; three rounds.
//!
//! `cargo bench -p storm-codec --bench stream_throughput`

use std::time::Instant;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use storm_codec::tls::{Identity, MaybeTlsStream, PemFile, TlsClient, TlsServer, TrustStore};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CHUNK: usize = 1 << 20;
const TOTAL: usize = 2 << 30;

/// Writes `TOTAL` bytes through `w` while a task reads them from `r`; GB/s.
async fn pump<W, R>(mut w: W, mut r: R, flush: bool) -> std::io::Result<f64>
where
    W: AsyncWrite + Unpin,
    R: AsyncRead + Unpin + Send + 'static,
{
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 256 * 1024];
        let mut got = 0;
        while got < TOTAL {
            match r.read(&mut buf).await? {
                0 => break,
                n => got += n,
            }
        }
        Ok::<_, std::io::Error>(got)
    });
    let buf = vec![7u8; CHUNK];
    let started = Instant::now();
    for _ in 0..TOTAL / CHUNK {
        w.write_all(&buf).await?;
        if flush {
            w.flush().await?;
        }
    }
    let got = reader.await.map_err(std::io::Error::other)??;
    assert_eq!(got, TOTAL, "every byte arrived");
    Ok(TOTAL as f64 / started.elapsed().as_secs_f64() / 1e9)
}

async fn pair(listener: &TcpListener) -> std::io::Result<(TcpStream, TcpStream)> {
    let a = TcpStream::connect(listener.local_addr()?).await?;
    let (b, _) = listener.accept().await?;
    Ok((a, b))
}

/// One identity for both ends, signed by a fresh CA, in a temporary directory.
fn tls_ends(dir: &std::path::Path) -> Result<(TlsServer, TlsClient), Box<dyn std::error::Error>> {
    let ca_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = params.self_signed(&ca_key)?;
    let issuer = Issuer::new(params, ca_key);
    let key = KeyPair::generate()?;
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&key, &issuer)?;
    std::fs::write(dir.join("ca.pem"), ca.pem())?;
    std::fs::write(
        dir.join("ks.pem"),
        format!("{}{}", leaf.pem(), key.serialize_pem()),
    )?;
    let identity = Identity::load_keystore(PemFile::new("keystore", dir.join("ks.pem")))?;
    let trust = TrustStore::load(PemFile::new("truststore", dir.join("ca.pem")))?;
    Ok((
        TlsServer::new(&identity, Some(&trust))?,
        TlsClient::new(&trust, Some(&identity))?,
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let (server, client) = tls_ends(dir.path())?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    for round in 1..=3 {
        let (a, b) = pair(&listener).await?;
        let raw = pump(a.into_split().1, b.into_split().0, false).await?;
        let (a, b) = pair(&listener).await?;
        let (a, b) = (MaybeTlsStream::Plain(a), MaybeTlsStream::Plain(b));
        let plain = pump(a.into_split().1, b.into_split().0, true).await?;
        let (a, b) = pair(&listener).await?;
        let (c, s) = tokio::join!(client.connect("127.0.0.1", a), server.accept(b));
        let tls = pump(c?.into_split().1, s?.into_split().0, true).await?;
        println!(
            "round {round}: TcpStream {raw:.2} GB/s, MaybeTlsStream::Plain {plain:.2} GB/s, \
             TLS 1.3 {tls:.2} GB/s"
        );
    }
    Ok(())
}
