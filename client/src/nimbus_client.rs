//! `NimbusClient`: talks to Nimbus over its port (Storm's `NimbusClient`), used by the `storm`
//! command, `StormSubmitter` and supervisors. Every call has a timeout; errors say which
//! Nimbus could not be reached and why. With credentials (`storm.client.user`), a connection
//! first proves the user's secret by the challenge-response of `storm_codec::handshake`. With
//! `nimbus.thrift.client.use.tls` the connection is TLS first ([`crate::tls_config`]), checking
//! Nimbus's certificate against the host dialled; the handshake then runs inside it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use storm_codec::tls::{host_of, MaybeTlsStream, TlsClient, TlsError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::DaemonConfig;
use crate::credentials::{ClientCredentials, CredentialsError};
use crate::nimbus_leader::LeaderSearch;
use crate::protocol::{
    frames, hex, ClusterInfo, CodecError, RebalanceRequest, RemoteError, Request, Response,
    SubmitTopology, TopologyDist, TopologyInfo, TopologySummary, AUTH_VERSION, CHUNK_SIZE,
};

/// How long a connection attempt or one call may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a call to Nimbus failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection could be made.
    #[error("cannot reach Nimbus at {addr}: {reason}")]
    Connect {
        /// `host:port`.
        addr: String,
        /// Why.
        reason: String,
    },
    /// No seed led, or led to the leader, within the retries.
    #[error("no leading Nimbus found through nimbus.seeds in {rounds} round(s): {}", attempts.join("; "))]
    NoLeader {
        /// Rounds made over the seeds.
        rounds: u32,
        /// Each address asked, as `host:port: why it was not the leader`.
        attempts: Vec<String>,
    },
    /// Nimbus did not answer in time.
    #[error("Nimbus at {addr} did not answer {request} within {timeout:?}")]
    Timeout {
        /// `host:port`.
        addr: String,
        /// The request.
        request: &'static str,
        /// The timeout.
        timeout: Duration,
    },
    /// The connection failed or carried something that is not a reply.
    #[error("talking to Nimbus at {addr}: {source}")]
    Frame {
        /// `host:port`.
        addr: String,
        /// What went wrong.
        #[source]
        source: CodecError,
    },
    /// Nimbus closed the connection without replying.
    #[error("Nimbus at {addr} closed the connection without replying to {request}")]
    Closed {
        /// `host:port`.
        addr: String,
        /// The request.
        request: &'static str,
    },
    /// Nimbus refused the request.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// This client's credentials could not be read.
    #[error("Nimbus client credentials: {0}")]
    Credentials(#[from] CredentialsError),
    /// Nimbus did not accept this client's credentials.
    #[error("authenticating to Nimbus at {addr} as {user}: {reason}")]
    Authentication {
        /// `host:port`.
        addr: String,
        /// The user.
        user: String,
        /// Why.
        reason: String,
    },
    /// This client's TLS files could not be read (names the key and the file).
    #[error("Nimbus client TLS: {0}")]
    TlsConfig(#[from] TlsError),
    /// The TLS handshake with Nimbus failed, or one end speaks TLS and the other does not.
    #[error("TLS with Nimbus at {addr}: {reason}")]
    Tls {
        /// `host:port`.
        addr: String,
        /// Why.
        reason: String,
    },
    /// Nimbus replied with something that does not answer the request.
    #[error("Nimbus answered {request} with an unexpected reply")]
    Unexpected {
        /// The request.
        request: &'static str,
    },
    /// A local file could not be read or written.
    #[error("{what} {path}: {source}")]
    File {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A downloaded artifact does not have the checksum Nimbus announced.
    #[error(
        "downloaded artifact of {topology_id} has sha256 {actual}, Nimbus announced {expected}"
    )]
    ChecksumMismatch {
        /// The topology.
        topology_id: String,
        /// The announced checksum.
        expected: String,
        /// The checksum of the bytes received.
        actual: String,
    },
}

impl ClientError {
    /// Nimbus refused the request (as opposed to not being reachable).
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            ClientError::Remote(e) => Some(e),
            _ => None,
        }
    }
}

type Result<T, E = ClientError> = std::result::Result<T, E>;

fn file_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ClientError {
    let path = path.to_owned();
    move |source| ClientError::File { what, path, source }
}

/// A connection to Nimbus.
#[derive(Debug)]
pub struct NimbusClient {
    stream: MaybeTlsStream,
    addr: String,
    max_frame: usize,
    timeout: Duration,
}

impl NimbusClient {
    /// Connects to Nimbus at `addr` (`host:port`).
    pub async fn connect(addr: &str, max_frame: usize, timeout: Duration) -> Result<Self> {
        Self::connect_tls(addr, max_frame, timeout, None).await
    }

    /// Connects to Nimbus at `addr` (`host:port`), over TLS when `tls` is given; Nimbus's
    /// certificate must name the host of `addr`.
    pub async fn connect_tls(
        addr: &str,
        max_frame: usize,
        timeout: Duration,
        tls: Option<&TlsClient>,
    ) -> Result<Self> {
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Err(_) => {
                return Err(ClientError::Connect {
                    addr: addr.to_owned(),
                    reason: format!("no answer within {timeout:?}"),
                })
            }
            Ok(Err(e)) => {
                return Err(ClientError::Connect {
                    addr: addr.to_owned(),
                    reason: e.to_string(),
                })
            }
            Ok(Ok(s)) => s,
        };
        let _ = stream.set_nodelay(true);
        let stream = match tls {
            None => MaybeTlsStream::Plain(stream),
            Some(tls) => {
                let shake = tls.connect(host_of(addr), stream);
                match tokio::time::timeout(timeout, shake).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        let hint = match e.kind() {
                            std::io::ErrorKind::UnexpectedEof
                            | std::io::ErrorKind::ConnectionReset => {
                                " (is nimbus.thrift.tls.enable off there?)"
                            }
                            _ => "",
                        };
                        return Err(ClientError::Tls {
                            addr: addr.to_owned(),
                            reason: format!("{e}{hint}"),
                        });
                    }
                    Err(_) => {
                        return Err(ClientError::Tls {
                            addr: addr.to_owned(),
                            reason: format!("no TLS handshake within {timeout:?}"),
                        })
                    }
                }
            }
        };
        Ok(Self {
            stream,
            addr: addr.to_owned(),
            max_frame,
            timeout,
        })
    }

    /// Connects to Nimbus at `addr` and, given credentials, authenticates as their user.
    pub async fn connect_as(
        addr: &str,
        max_frame: usize,
        timeout: Duration,
        credentials: Option<&ClientCredentials>,
    ) -> Result<Self> {
        Self::connect_with(addr, max_frame, timeout, None, credentials).await
    }

    /// Connects to Nimbus at `addr`, over TLS when `tls` is given, and, given credentials,
    /// authenticates as their user inside it.
    pub async fn connect_with(
        addr: &str,
        max_frame: usize,
        timeout: Duration,
        tls: Option<&TlsClient>,
        credentials: Option<&ClientCredentials>,
    ) -> Result<Self> {
        let mut client = Self::connect_tls(addr, max_frame, timeout, tls).await?;
        if let Some(credentials) = credentials {
            client.authenticate(credentials).await?;
        }
        Ok(client)
    }

    /// Connects to Nimbus at `addr` with the credentials `config` names, if any.
    pub async fn connect_configured(
        addr: &str,
        config: &DaemonConfig,
        timeout: Duration,
    ) -> Result<Self> {
        let credentials = ClientCredentials::from_config(config)?;
        let tls = config.tls.nimbus_client()?;
        Self::connect_with(
            addr,
            config.max_frame,
            timeout,
            tls.as_ref(),
            credentials.as_ref(),
        )
        .await
    }

    /// Connects to the leading Nimbus through `nimbus.seeds`, following a standby's
    /// `NotLeader` answer and retrying as [`LeaderSearch`] describes, authenticating with the
    /// credentials `config` names.
    pub async fn connect_seeds(config: &DaemonConfig) -> Result<Self> {
        let credentials = ClientCredentials::from_config(config)?;
        let tls = config.tls.nimbus_client()?;
        LeaderSearch::from_config(config)
            .with_credentials(credentials)
            .with_tls(tls)
            .connect()
            .await
    }

    async fn authenticate(&mut self, credentials: &ClientCredentials) -> Result<()> {
        let me = format!("{}@{}", credentials.user, std::process::id());
        let shake = storm_codec::handshake::client(
            &mut self.stream,
            AUTH_VERSION,
            &credentials.secret,
            &credentials.user,
            &me,
        );
        let failed = |reason: String| ClientError::Authentication {
            addr: self.addr.clone(),
            user: credentials.user.clone(),
            reason,
        };
        match tokio::time::timeout(self.timeout, shake).await {
            Err(_) => Err(failed(format!("no answer within {:?}", self.timeout))),
            Ok(Ok(())) => Ok(()),
            Ok(Err(storm_codec::handshake::HandshakeError::Codec(
                CodecError::UnsupportedVersion { .. },
            ))) => Err(failed(
                "Nimbus did not take part in the authentication handshake \
                 (is nimbus.authentication off there?)"
                    .into(),
            )),
            Ok(Err(storm_codec::handshake::HandshakeError::Codec(e))) if e.is_tls_record() => {
                Err(self.tls_mismatch())
            }
            Ok(Err(e)) => Err(failed(e.to_string())),
        }
    }

    /// The error for a Nimbus that answered a plain connection in TLS.
    fn tls_mismatch(&self) -> ClientError {
        ClientError::Tls {
            addr: self.addr.clone(),
            reason: "Nimbus answered in TLS (nimbus.thrift.tls.enable is on there); set \
                     nimbus.thrift.client.use.tls and nimbus.thrift.tls.client.truststore.path"
                .into(),
        }
    }

    /// Sets the timeout of each later call.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The address connected to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends a request and waits for its reply; a refusal is `Err(Remote(..))`.
    pub async fn call(&mut self, request: &Request) -> Result<Response> {
        let name = request.name();
        let addr = self.addr.clone();
        let max = self.max_frame;
        let stream = &mut self.stream;
        let exchange = async {
            let frames = frames(max);
            frames.write(stream, request).await?;
            frames.read::<Response, _>(stream).await
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => Err(ClientError::Timeout {
                addr,
                request: name,
                timeout: self.timeout,
            }),
            Ok(Err(source)) if source.is_tls_record() => Err(self.tls_mismatch()),
            Ok(Err(source)) => Err(ClientError::Frame { addr, source }),
            Ok(Ok(None)) => Err(ClientError::Closed {
                addr,
                request: name,
            }),
            Ok(Ok(Some(Response::Error(e)))) => Err(ClientError::Remote(e)),
            Ok(Ok(Some(r))) => Ok(r),
        }
    }

    async fn expect_ok(&mut self, request: Request) -> Result<()> {
        let name = request.name();
        match self.call(&request).await? {
            Response::Ok => Ok(()),
            _ => Err(ClientError::Unexpected { request: name }),
        }
    }

    /// Refuses (with the reason) a name that is taken or invalid.
    pub async fn check_topology_name(&mut self, name: &str) -> Result<()> {
        self.expect_ok(Request::IsTopologyNameAllowed {
            name: name.to_owned(),
        })
        .await
    }

    /// Uploads a file in chunks with its SHA-256; returns the location to submit with.
    pub async fn upload_artifact(&mut self, path: &Path) -> Result<String> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(file_err("opening", path))?;
        let size = file
            .metadata()
            .await
            .map_err(file_err("reading", path))?
            .len();
        let location = match self.call(&Request::BeginFileUpload { size }).await? {
            Response::UploadStarted { location } => location,
            _ => {
                return Err(ClientError::Unexpected {
                    request: "beginFileUpload",
                })
            }
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK_SIZE.min(self.max_frame / 2)];
        loop {
            let n = file
                .read(&mut buf)
                .await
                .map_err(file_err("reading", path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            self.expect_ok(Request::UploadChunk {
                location: location.clone(),
                data: buf[..n].to_vec(),
            })
            .await?;
        }
        self.finish_upload(&location, &hex(&hasher.finalize()))
            .await?;
        Ok(location)
    }

    /// Ends an upload announcing its checksum (used by [`Self::upload_artifact`]).
    pub async fn finish_upload(&mut self, location: &str, sha256: &str) -> Result<()> {
        let request = Request::FinishFileUpload {
            location: location.to_owned(),
            sha256: sha256.to_owned(),
        };
        match self.call(&request).await? {
            Response::Uploaded { .. } => Ok(()),
            _ => Err(ClientError::Unexpected {
                request: "finishFileUpload",
            }),
        }
    }

    /// Submits a topology; returns its id.
    pub async fn submit_topology(&mut self, submit: SubmitTopology) -> Result<String> {
        match self.call(&Request::SubmitTopology(submit)).await? {
            Response::Submitted { topology_id } => Ok(topology_id),
            _ => Err(ClientError::Unexpected {
                request: "submitTopology",
            }),
        }
    }

    /// `storm kill NAME [-w SECS]`.
    pub async fn kill_topology(&mut self, name: &str, wait_secs: Option<u32>) -> Result<()> {
        self.expect_ok(Request::KillTopology {
            name: name.to_owned(),
            wait_secs,
        })
        .await
    }

    /// `storm activate NAME`.
    pub async fn activate(&mut self, name: &str) -> Result<()> {
        self.expect_ok(Request::Activate {
            name: name.to_owned(),
        })
        .await
    }

    /// `storm deactivate NAME`.
    pub async fn deactivate(&mut self, name: &str) -> Result<()> {
        self.expect_ok(Request::Deactivate {
            name: name.to_owned(),
        })
        .await
    }

    /// `storm rebalance NAME ...`.
    pub async fn rebalance(&mut self, name: &str, options: RebalanceRequest) -> Result<()> {
        self.expect_ok(Request::Rebalance {
            name: name.to_owned(),
            options,
        })
        .await
    }

    /// `storm list`.
    pub async fn list_topologies(&mut self) -> Result<Vec<TopologySummary>> {
        match self.call(&Request::ListTopologies).await? {
            Response::Topologies(t) => Ok(t),
            _ => Err(ClientError::Unexpected {
                request: "listTopologies",
            }),
        }
    }

    /// The cluster's supervisors, Nimbus processes and topologies (`storm ui`).
    pub async fn cluster_info(&mut self) -> Result<ClusterInfo> {
        match self.call(&Request::GetClusterInfo).await? {
            Response::ClusterInfo(i) => Ok(i),
            _ => Err(ClientError::Unexpected {
                request: "getClusterInfo",
            }),
        }
    }

    /// One topology's details.
    pub async fn topology_info(&mut self, name: &str) -> Result<TopologyInfo> {
        let request = Request::GetTopologyInfo {
            name: name.to_owned(),
        };
        match self.call(&request).await? {
            Response::TopologyInfo(i) => Ok(i),
            _ => Err(ClientError::Unexpected {
                request: "getTopologyInfo",
            }),
        }
    }

    /// One topology's details with its stats over one Storm window ("600", "10800", "86400",
    /// ":all-time").
    pub async fn topology_page_info(&mut self, name: &str, window: &str) -> Result<TopologyInfo> {
        let request = Request::GetTopologyPageInfo {
            name: name.to_owned(),
            window: window.to_owned(),
        };
        match self.call(&request).await? {
            Response::TopologyInfo(i) => Ok(i),
            _ => Err(ClientError::Unexpected {
                request: "getTopologyPageInfo",
            }),
        }
    }

    /// A topology's run files (config, topology, arguments, artifact checksum).
    pub async fn topology_dist(&mut self, topology_id: &str) -> Result<TopologyDist> {
        let request = Request::GetTopologyDist {
            topology_id: topology_id.to_owned(),
        };
        match self.call(&request).await? {
            Response::TopologyDist(d) => Ok(d),
            _ => Err(ClientError::Unexpected {
                request: "getTopologyDist",
            }),
        }
    }

    /// Downloads a topology's artifact to `dest`, checking size and SHA-256 against `dist`;
    /// on any failure `dest` is removed.
    pub async fn download_artifact(&mut self, dist: &TopologyDist, dest: &Path) -> Result<()> {
        let result = self.download_into(dist, dest).await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(dest).await;
        }
        result
    }

    async fn download_into(&mut self, dist: &TopologyDist, dest: &Path) -> Result<()> {
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(file_err("creating", dest))?;
        let mut hasher = Sha256::new();
        let mut offset = 0u64;
        let max_len = CHUNK_SIZE.min(self.max_frame / 2) as u32;
        while offset < dist.artifact_size {
            let request = Request::DownloadChunk {
                topology_id: dist.topology_id.clone(),
                offset,
                max_len,
            };
            let data = match self.call(&request).await? {
                Response::Chunk { data } => data,
                _ => {
                    return Err(ClientError::Unexpected {
                        request: "downloadChunk",
                    })
                }
            };
            if data.is_empty() {
                break;
            }
            hasher.update(&data);
            file.write_all(&data)
                .await
                .map_err(file_err("writing", dest))?;
            offset += data.len() as u64;
        }
        file.flush().await.map_err(file_err("writing", dest))?;
        let actual = hex(&hasher.finalize());
        if offset != dist.artifact_size || actual != dist.artifact_sha256 {
            return Err(ClientError::ChecksumMismatch {
                topology_id: dist.topology_id.clone(),
                expected: dist.artifact_sha256.clone(),
                actual: format!("{actual} ({offset} bytes)"),
            });
        }
        Ok(())
    }
}
