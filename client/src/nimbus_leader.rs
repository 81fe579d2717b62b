//! Finding the leading Nimbus through `nimbus.seeds` (Storm's
//! `NimbusClient.getConfiguredClient`): each seed in turn is asked `getLeader`; the leader
//! answers yes, a standby answers `NotLeader` naming the leader it knows, and that leader is
//! asked next. A seed that is down, or knows no leader (an election in progress), is skipped.
//! When a whole round finds no leader the client waits (`storm.nimbus.retry.interval.millis`,
//! doubling up to `storm.nimbus.retry.intervalceiling.millis`) and tries again, at most
//! `storm.nimbus.retry.times` times, so the search is bounded; the error lists every address
//! tried and why it was not the leader.

use std::time::Duration;

use crate::config::DaemonConfig;
use crate::credentials::ClientCredentials;
use crate::nimbus_client::{ClientError, NimbusClient, DEFAULT_TIMEOUT};
use crate::protocol::{RemoteError, Request, Response};
use storm_codec::tls::TlsClient;

/// How long one address may take to connect and answer `getLeader`.
pub const LEADER_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how long to look for the leader.
#[derive(Debug, Clone)]
pub struct LeaderSearch {
    /// The seeds' `host:port`, in the order tried.
    pub seeds: Vec<String>,
    /// The largest frame either side accepts.
    pub max_frame: usize,
    /// Rounds over the seeds after the first.
    pub retries: u32,
    /// The wait before the first retry round; doubled each round.
    pub interval: Duration,
    /// The longest wait between rounds.
    pub ceiling: Duration,
    /// The user to authenticate as, if any.
    pub credentials: Option<ClientCredentials>,
    /// TLS to each Nimbus, when `nimbus.thrift.client.use.tls` is on.
    pub tls: Option<TlsClient>,
}

impl LeaderSearch {
    /// The search a client configured by `config` makes.
    pub fn from_config(config: &DaemonConfig) -> Self {
        Self {
            seeds: config.nimbus_addresses(),
            max_frame: config.max_frame,
            retries: config.nimbus_retry_times,
            interval: config.nimbus_retry_interval,
            ceiling: config.nimbus_retry_interval_ceiling,
            credentials: None,
            tls: None,
        }
    }

    /// The search, connecting over TLS when `tls` is given.
    pub fn with_tls(mut self, tls: Option<TlsClient>) -> Self {
        self.tls = tls;
        self
    }

    /// The search, authenticating each connection with `credentials`.
    pub fn with_credentials(mut self, credentials: Option<ClientCredentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// The wait after round `round` (0-based) found no leader.
    pub fn backoff(&self, round: u32) -> Duration {
        let factor = 1u32.checked_shl(round.min(31)).unwrap_or(u32::MAX);
        self.interval.saturating_mul(factor).min(self.ceiling)
    }

    /// Connects to the leader, or says whom it asked and why none led.
    pub async fn connect(&self) -> Result<NimbusClient, ClientError> {
        if self.seeds.is_empty() {
            return Err(ClientError::Connect {
                addr: "nimbus.seeds".into(),
                reason: "nimbus.seeds is empty".into(),
            });
        }
        let mut attempts = Vec::new();
        for round in 0..=self.retries {
            if round > 0 {
                let wait = self.backoff(round - 1);
                tracing::debug!(?wait, round, "no Nimbus leader found yet; retrying");
                tokio::time::sleep(wait).await;
            }
            for seed in &self.seeds {
                match self.ask(seed, &mut attempts).await {
                    Some(client) => return Ok(client),
                    None => continue,
                }
            }
        }
        Err(ClientError::NoLeader {
            rounds: self.retries + 1,
            attempts,
        })
    }

    /// Asks `seed`, following one `NotLeader` answer to the leader it names; records each
    /// failure in `attempts` as `addr: reason`.
    async fn ask(&self, seed: &str, attempts: &mut Vec<String>) -> Option<NimbusClient> {
        let leader = match self.check(seed).await {
            Ok(client) => return Some(client),
            Err(ClientError::Remote(RemoteError::NotLeader {
                leader: Some(leader),
            })) if leader != seed => {
                attempts.push(format!("{seed}: not the leader, it named {leader}"));
                leader
            }
            Err(ClientError::Remote(RemoteError::NotLeader { .. })) => {
                attempts.push(format!("{seed}: not the leader, and knows no other"));
                return None;
            }
            Err(e) => {
                attempts.push(format!("{seed}: {e}"));
                return None;
            }
        };
        match self.check(&leader).await {
            Ok(client) => Some(client),
            Err(e) => {
                attempts.push(format!("{leader}: {e}"));
                None
            }
        }
    }

    /// Connects to `addr` and asks whether it leads; the client it returns has the usual call
    /// timeout.
    async fn check(&self, addr: &str) -> Result<NimbusClient, ClientError> {
        let mut client = NimbusClient::connect_with(
            addr,
            self.max_frame,
            LEADER_CHECK_TIMEOUT,
            self.tls.as_ref(),
            self.credentials.as_ref(),
        )
        .await?;
        client.set_timeout(LEADER_CHECK_TIMEOUT);
        match client.call(&Request::GetLeader).await? {
            Response::Ok => {
                client.set_timeout(DEFAULT_TIMEOUT);
                Ok(client)
            }
            _ => Err(ClientError::Unexpected {
                request: "getLeader",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::protocol::frames;
    use tokio::net::TcpListener;

    const MAX_FRAME: usize = 1 << 20;

    /// A fake Nimbus answering every `getLeader` with `answer` (`None`: it leads).
    async fn fake_nimbus(answer: Option<RemoteError>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    while let Ok(Some(request)) =
                        frames(MAX_FRAME).read::<Request, _>(&mut stream).await
                    {
                        let reply = match (&request, &answer) {
                            (Request::GetLeader, Some(e)) => Response::Error(e.clone()),
                            _ => Response::Ok,
                        };
                        if frames(MAX_FRAME).write(&mut stream, &reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    /// An address nothing listens on.
    async fn dead_address() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        addr
    }

    fn search(seeds: Vec<String>, retries: u32) -> LeaderSearch {
        LeaderSearch {
            seeds,
            max_frame: MAX_FRAME,
            retries,
            interval: Duration::from_millis(10),
            ceiling: Duration::from_millis(40),
            credentials: None,
            tls: None,
        }
    }

    #[tokio::test]
    async fn a_standby_seed_redirects_to_the_leader_it_names() {
        let leader = fake_nimbus(None).await;
        let standby = fake_nimbus(Some(RemoteError::NotLeader {
            leader: Some(leader.clone()),
        }))
        .await;
        let client = search(vec![standby], 0).connect().await.unwrap();
        assert_eq!(client.addr(), leader);
    }

    #[tokio::test]
    async fn a_dead_seed_or_one_without_a_leader_is_skipped() {
        let dead = dead_address().await;
        let electing = fake_nimbus(Some(RemoteError::NotLeader { leader: None })).await;
        let leader = fake_nimbus(None).await;
        let client = search(vec![dead, electing, leader.clone()], 0)
            .connect()
            .await
            .unwrap();
        assert_eq!(client.addr(), leader);
    }

    #[tokio::test]
    async fn a_redirect_to_a_dead_leader_falls_through_to_the_next_seed() {
        let dead_leader = dead_address().await;
        let stale = fake_nimbus(Some(RemoteError::NotLeader {
            leader: Some(dead_leader),
        }))
        .await;
        let leader = fake_nimbus(None).await;
        let client = search(vec![stale, leader.clone()], 0)
            .connect()
            .await
            .unwrap();
        assert_eq!(client.addr(), leader);
    }

    #[tokio::test]
    async fn without_a_leader_it_gives_up_after_the_retries_naming_every_attempt() {
        let dead = dead_address().await;
        let standby = fake_nimbus(Some(RemoteError::NotLeader {
            leader: Some(dead.clone()),
        }))
        .await;
        let err = search(vec![standby.clone()], 2)
            .connect()
            .await
            .expect_err("no leader");
        match &err {
            ClientError::NoLeader { rounds, attempts } => {
                assert_eq!(*rounds, 3);
                // Each round: the standby's redirect, then the dead leader it named.
                assert_eq!(attempts.len(), 6, "{attempts:?}");
            }
            other => panic!("unexpected error {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains(&standby) && text.contains(&dead), "{text}");
    }

    #[tokio::test]
    async fn a_leader_elected_between_rounds_is_found() {
        // Knows no leader when first asked (an election in progress), leads when asked again.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let mut asked = 0;
            while let Ok((mut stream, _)) = listener.accept().await {
                while let Ok(Some(_)) = frames(MAX_FRAME).read::<Request, _>(&mut stream).await {
                    asked += 1;
                    let reply = if asked == 1 {
                        Response::Error(RemoteError::NotLeader { leader: None })
                    } else {
                        Response::Ok
                    };
                    if frames(MAX_FRAME).write(&mut stream, &reply).await.is_err() {
                        break;
                    }
                }
            }
        });
        let client = search(vec![addr.clone()], 3).connect().await.unwrap();
        assert_eq!(client.addr(), addr);
    }

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let s = search(Vec::new(), 5);
        let waits: Vec<u128> = (0..4).map(|r| s.backoff(r).as_millis()).collect();
        assert_eq!(waits, vec![10, 20, 40, 40]);
        assert_eq!(s.backoff(100), Duration::from_millis(40));
    }
}
