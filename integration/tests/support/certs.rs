//! Certificates made at test time with rcgen: a CA, and PEM keystores (chain, then key) it
//! signs, written mode 600.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// Writes `text` to `path`, readable by its owner only.
pub fn write_600(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// A CA that writes its certificate and the keystores it signs into a directory.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    /// A new CA called `name`.
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("CA");
        Self {
            issuer: Issuer::new(params, key),
            pem: cert.pem(),
        }
    }

    /// Writes the CA's certificate to `dir/file` (a truststore).
    pub fn write(&self, dir: &Path, file: &str) -> PathBuf {
        let path = dir.join(file);
        write_600(&path, &self.pem);
        path
    }

    /// A PEM keystore (chain, then key) for `names`.
    pub fn keystore(&self, dir: &Path, file: &str, names: &[&str]) -> PathBuf {
        let key = KeyPair::generate().expect("key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let cert = CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, &self.issuer)
            .expect("leaf");
        let path = dir.join(file);
        write_600(&path, &format!("{}{}", cert.pem(), key.serialize_pem()));
        path
    }
}
