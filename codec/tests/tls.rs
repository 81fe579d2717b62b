//! TLS over loopback with certificates made at test time: mutual TLS carries the handshake and
//! frames; a client without a certificate, with one from another CA, trusting another CA or
//! dialling a name the certificate lacks is refused, and so is plain TCP on a TLS port. Files
//! that are missing, not PEM, lack a key, hold an expired certificate or a key of another
//! certificate are refused when loaded, with the key and the file named.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use storm_codec::tls::{
    Identity, MaybeTlsStream, PemFile, TlsClient, TlsError, TlsServer, TrustStore,
};
use storm_codec::FrameCodec;
use tokio::net::{TcpListener, TcpStream};

/// A CA that signs leaf certificates into a directory.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Self {
            issuer: Issuer::new(params, key),
            pem: cert.pem(),
        }
    }

    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(format!("{name}.pem"));
        std::fs::write(&path, &self.pem).unwrap();
        path
    }

    /// A keystore (chain and key in one PEM file) for `names`, valid from `from` to `to`.
    fn leaf(&self, dir: &Path, file: &str, names: &[&str], years: (i32, i32)) -> PathBuf {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let path = dir.join(format!("{file}.pem"));
        std::fs::write(&path, format!("{}{}", cert.pem(), key.serialize_pem())).unwrap();
        path
    }
}

const VALID: (i32, i32) = (2020, 4000);

fn identity(path: &Path) -> Identity {
    Identity::load_keystore(PemFile::new("test.keystore.path", path)).unwrap()
}

fn trust(path: &Path) -> TrustStore {
    TrustStore::load(PemFile::new("test.truststore.path", path)).unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    ca: Ca,
    ca_file: PathBuf,
    server: PathBuf,
    client: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let ca = Ca::new("test CA");
    let ca_file = ca.write(&path, "ca");
    let server = ca.leaf(&path, "server", &["localhost", "127.0.0.1"], VALID);
    let client = ca.leaf(&path, "client", &["client"], VALID);
    Setup {
        _dir: dir,
        dir: path,
        ca,
        ca_file,
        server,
        client,
    }
}

/// Accepts one connection with `server`, then echoes one frame; returns the accept's result.
async fn serve_once(server: TlsServer) -> (String, tokio::task::JoinHandle<Result<(), String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut stream = server.accept(tcp).await.map_err(|e| e.to_string())?;
        let frames = FrameCodec::new(1, 1024);
        let got: Option<String> = frames.read(&mut stream).await.map_err(|e| e.to_string())?;
        frames
            .write(&mut stream, &got.unwrap_or_default())
            .await
            .map_err(|e| e.to_string())
    });
    (addr, task)
}

/// Connects with `client` to `host` at `addr` and asks for an echo.
async fn echo(client: &TlsClient, host: &str, addr: &str) -> Result<String, String> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut stream = client.connect(host, tcp).await.map_err(|e| e.to_string())?;
    assert!(stream.is_tls());
    let frames = FrameCodec::new(1, 1024);
    frames
        .write(&mut stream, &"hello".to_owned())
        .await
        .map_err(|e| e.to_string())?;
    let back: Option<String> = frames.read(&mut stream).await.map_err(|e| e.to_string())?;
    back.ok_or_else(|| "closed".to_owned())
}

#[tokio::test]
async fn mutual_tls_carries_frames_and_the_split_halves_work() {
    let s = setup();
    let server = TlsServer::new(&identity(&s.server), Some(&trust(&s.ca_file))).unwrap();
    assert!(server.is_mutual());
    let (addr, task) = serve_once(server).await;
    let client = TlsClient::new(&trust(&s.ca_file), Some(&identity(&s.client))).unwrap();
    assert_eq!(echo(&client, "localhost", &addr).await.unwrap(), "hello");
    task.await.unwrap().unwrap();

    // The same by IP address, through the split halves.
    let server = TlsServer::new(&identity(&s.server), Some(&trust(&s.ca_file))).unwrap();
    let (addr, task) = serve_once(server).await;
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let stream = client.connect("127.0.0.1", tcp).await.unwrap();
    let (mut r, mut w) = stream.into_split();
    let frames = FrameCodec::new(1, 1024);
    frames.write(&mut w, &"split".to_owned()).await.unwrap();
    let back: Option<String> = frames.read(&mut r).await.unwrap();
    assert_eq!(back.as_deref(), Some("split"));
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_client_without_a_certificate_is_refused_by_a_mutual_server() {
    let s = setup();
    let server = TlsServer::new(&identity(&s.server), Some(&trust(&s.ca_file))).unwrap();
    let (addr, task) = serve_once(server).await;
    let client = TlsClient::new(&trust(&s.ca_file), None).unwrap();
    assert!(echo(&client, "localhost", &addr).await.is_err());
    let e = task.await.unwrap().expect_err("refused");
    assert!(e.contains("certificate"), "{e}");
}

#[tokio::test]
async fn a_client_certificate_of_another_ca_is_refused() {
    let s = setup();
    let other = Ca::new("other CA");
    let stranger = other.leaf(&s.dir, "stranger", &["client"], VALID);
    let server = TlsServer::new(&identity(&s.server), Some(&trust(&s.ca_file))).unwrap();
    let (addr, task) = serve_once(server).await;
    let client = TlsClient::new(&trust(&s.ca_file), Some(&identity(&stranger))).unwrap();
    assert!(echo(&client, "localhost", &addr).await.is_err());
    let e = task.await.unwrap().expect_err("refused");
    assert!(e.contains("UnknownIssuer"), "{e}");
}

#[tokio::test]
async fn a_client_trusting_another_ca_refuses_the_server() {
    let s = setup();
    let other = Ca::new("other CA");
    let other_file = other.write(&s.dir, "other-ca");
    let server = TlsServer::new(&identity(&s.server), None).unwrap();
    let (addr, task) = serve_once(server).await;
    let client = TlsClient::new(&trust(&other_file), None).unwrap();
    let e = echo(&client, "localhost", &addr)
        .await
        .expect_err("refused");
    assert!(e.contains("UnknownIssuer"), "{e}");
    assert!(task.await.unwrap().is_err());
}

#[tokio::test]
async fn a_name_the_server_certificate_lacks_is_refused() {
    let s = setup();
    let server = TlsServer::new(&identity(&s.server), None).unwrap();
    let (addr, task) = serve_once(server).await;
    let client = TlsClient::new(&trust(&s.ca_file), None).unwrap();
    let e = echo(&client, "nimbus.example", &addr)
        .await
        .expect_err("wrong name");
    assert!(e.contains("not valid for name \"nimbus.example\""), "{e}");
    assert!(task.await.unwrap().is_err());
}

#[tokio::test]
async fn plain_tcp_on_a_tls_port_is_refused_and_tls_on_a_plain_port_fails() {
    let s = setup();
    let server = TlsServer::new(&identity(&s.server), None).unwrap();
    let (addr, task) = serve_once(server).await;
    let mut plain = MaybeTlsStream::from(TcpStream::connect(&addr).await.unwrap());
    let frames = FrameCodec::new(1, 1024);
    frames.write(&mut plain, &"hello".to_owned()).await.unwrap();
    assert!(frames.read::<String, _>(&mut plain).await.is_err());
    let e = task.await.unwrap().expect_err("not TLS");
    assert!(!e.is_empty());

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let plain_server = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        FrameCodec::new(1, 1024).read::<String, _>(&mut tcp).await
    });
    let client = TlsClient::new(&trust(&s.ca_file), None).unwrap();
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let connecting = client.connect("localhost", tcp);
    let (client_side, server_side) = tokio::join!(connecting, plain_server);
    assert!(server_side.unwrap().is_err(), "a ClientHello is no frame");
    assert!(client_side.is_err());
}

fn load_err(key: &Path) -> TlsError {
    Identity::load_keystore(PemFile::new("test.keystore.path", key)).expect_err("refused")
}

#[test]
fn bad_files_are_refused_naming_the_key_and_the_file() {
    let s = setup();
    let missing = s.dir.join("missing.pem");
    let e = load_err(&missing);
    assert!(matches!(e, TlsError::Read { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("test.keystore.path") && text.contains("missing.pem"),
        "{text}"
    );

    let garbage = s.dir.join("garbage.pem");
    std::fs::write(&garbage, "not a certificate at all\n").unwrap();
    let e = load_err(&garbage);
    assert!(matches!(e, TlsError::Invalid { .. }), "{e}");
    assert!(e.to_string().contains("garbage.pem"), "{e}");

    let broken = s.dir.join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let e = load_err(&broken);
    assert!(matches!(e, TlsError::Invalid { .. }), "{e}");

    // The CA file has a certificate but no key.
    let e = load_err(&s.ca_file);
    assert!(e.to_string().contains("private key"), "{e}");

    let expired = s.ca.leaf(&s.dir, "expired", &["localhost"], (2001, 2002));
    let e = load_err(&expired);
    assert!(e.to_string().contains("expired"), "{e}");
    let future = s.ca.leaf(&s.dir, "future", &["localhost"], (3000, 3001));
    let e = load_err(&future);
    assert!(e.to_string().contains("not valid yet"), "{e}");

    // The server's certificate with the client's key.
    let cert = std::fs::read_to_string(&s.server).unwrap();
    let key = std::fs::read_to_string(&s.client).unwrap();
    let cert = &cert[..cert.find("-----BEGIN PRIVATE KEY").unwrap()];
    let key = &key[key.find("-----BEGIN PRIVATE KEY").unwrap()..];
    let mixed = s.dir.join("mixed.pem");
    std::fs::write(&mixed, format!("{cert}{key}")).unwrap();
    let e = TlsServer::new(&identity(&mixed), None).expect_err("key mismatch");
    assert!(matches!(e, TlsError::Rejected { .. }), "{e}");
    assert!(e.to_string().contains("mixed.pem"), "{e}");

    let e = TrustStore::load(PemFile::new("test.truststore.path", &garbage)).expect_err("no CA");
    assert!(e.to_string().contains("test.truststore.path"), "{e}");
}

#[test]
fn host_of_strips_the_port() {
    use storm_codec::tls::host_of;
    assert_eq!(host_of("nimbus-1:6627"), "nimbus-1");
    assert_eq!(host_of("127.0.0.1:6700"), "127.0.0.1");
    assert_eq!(host_of("[::1]:6700"), "[::1]");
    assert_eq!(host_of("nimbus-1"), "nimbus-1");
}
