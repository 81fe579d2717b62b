//! Certificates and private keys from PEM files, each file named by a storm.yaml key. Storm
//! names Java keystores and truststores in those keys; here a *keystore* is a PEM file holding
//! the certificate chain (leaf first) and the private key, and a *truststore* a PEM file of CA
//! certificates. Every error names the key and the file; a certificate that is expired, not
//! yet valid or not DER is refused when the file is read.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::{PemObject, SectionKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, RootCertStore};

use super::{provider, TlsError};

/// A file a storm.yaml key names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemFile {
    /// The key, for error messages.
    pub key: &'static str,
    /// The file.
    pub path: PathBuf,
}

impl PemFile {
    /// The file `path` that `key` names.
    pub fn new(key: &'static str, path: impl Into<PathBuf>) -> Self {
        Self {
            key,
            path: path.into(),
        }
    }

    fn invalid(&self, reason: impl Into<String>) -> TlsError {
        TlsError::Invalid {
            key: self.key,
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    pub(crate) fn rejected(&self, reason: impl ToString) -> TlsError {
        TlsError::Rejected {
            key: self.key,
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// The file's PEM sections; an error if it cannot be read, is not PEM or has none.
    fn sections(&self) -> Result<Vec<(SectionKind, Vec<u8>)>, TlsError> {
        let bytes = std::fs::read(&self.path).map_err(|source| TlsError::Read {
            key: self.key,
            path: self.path.clone(),
            source,
        })?;
        let sections = <(SectionKind, Vec<u8>)>::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.invalid(format!("not a PEM file: {e}")))?;
        if sections.is_empty() {
            return Err(self.invalid("holds no PEM section (-----BEGIN ...-----)"));
        }
        Ok(sections)
    }

    fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, TlsError> {
        let certs: Vec<_> = self
            .sections()?
            .into_iter()
            .filter(|(kind, _)| *kind == SectionKind::Certificate)
            .map(|(_, der)| CertificateDer::from(der))
            .collect();
        if certs.is_empty() {
            return Err(self.invalid("holds no certificate (-----BEGIN CERTIFICATE-----)"));
        }
        Ok(certs)
    }

    fn private_key(&self) -> Result<PrivateKeyDer<'static>, TlsError> {
        self.sections()?
            .into_iter()
            .find_map(|(kind, der)| PrivateKeyDer::from_pem(kind, der))
            .ok_or_else(|| {
                self.invalid("holds no unencrypted private key (-----BEGIN PRIVATE KEY-----)")
            })
    }
}

/// A certificate chain (leaf first) and its private key: what this end shows its peer.
#[derive(Debug)]
pub struct Identity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
    pub(crate) cert_file: PemFile,
    pub(crate) key_file: PemFile,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
        }
    }
}

impl Identity {
    /// The chain in `cert` and the private key in `key` (they may name the same file). Refuses
    /// a leaf certificate that is expired, not yet valid or not a certificate.
    pub fn load(cert: PemFile, key: PemFile) -> Result<Self, TlsError> {
        let chain = cert.certificates()?;
        let private = key.private_key()?;
        check_validity(&cert, &chain)?;
        Ok(Self {
            chain,
            key: private,
            cert_file: cert,
            key_file: key,
        })
    }

    /// A keystore: one PEM file with the chain and the key.
    pub fn load_keystore(file: PemFile) -> Result<Self, TlsError> {
        Self::load(file.clone(), file)
    }
}

/// The CA certificates a peer's certificate must chain to.
#[derive(Debug, Clone)]
pub struct TrustStore {
    pub(crate) roots: Arc<RootCertStore>,
    pub(crate) file: PemFile,
}

impl TrustStore {
    /// The CA certificates in `file`; each must parse as a trust anchor.
    pub fn load(file: PemFile) -> Result<Self, TlsError> {
        let mut roots = RootCertStore::empty();
        for (i, cert) in file.certificates()?.into_iter().enumerate() {
            roots
                .add(cert)
                .map_err(|e| file.invalid(format!("certificate {} is not usable: {e}", i + 1)))?;
        }
        Ok(Self {
            roots: Arc::new(roots),
            file,
        })
    }
}

/// Refuses a leaf certificate that is expired, not yet valid or not DER. webpki checks the
/// leaf's validity before looking for its issuer, so the chain's own last certificate serves
/// as the anchor: whether the peers trust its issuer is their check, at the handshake.
fn check_validity(file: &PemFile, chain: &[CertificateDer<'static>]) -> Result<(), TlsError> {
    let (Some(leaf), Some(last)) = (chain.first(), chain.last()) else {
        return Ok(());
    };
    let mut anchors = RootCertStore::empty();
    anchors
        .add(last.clone())
        .map_err(|e| file.invalid(format!("not a certificate: {e}")))?;
    let Ok(verifier) =
        WebPkiClientVerifier::builder_with_provider(Arc::new(anchors), provider()).build()
    else {
        return Ok(());
    };
    match verifier.verify_client_cert(leaf, &chain[1..], UnixTime::now()) {
        Err(
            e @ rustls::Error::InvalidCertificate(
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
                | CertificateError::BadEncoding,
            ),
        ) => Err(file.invalid(format!("the certificate is not usable: {e}"))),
        _ => Ok(()),
    }
}
