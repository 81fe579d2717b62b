//! Shared set-up for Nimbus's tests: a Nimbus core over an in-memory cluster state, a
//! word-count-shaped topology and uploads.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use storm_client::protocol::{hex, SubmitTopology};
use storm_client::{DaemonConfig, Request, Response};
use storm_core::{
    BasicBolt, BasicOutputCollector, ComponentResult, Config, OutputFieldsDeclarer, Spout,
    SpoutOutputCollector, StormTopology, TopologyBuilder, Tuple,
};
use storm_nimbus::store::ArtifactStore;
use storm_nimbus::{NimbusCore, Now};
use storm_zk::{ClusterState, MemClusterState, SupervisorInfo};

struct Sentences;
impl Spout for Sentences {
    fn next_tuple(&mut self, _c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["sentence"]);
    }
}

struct Split;
impl BasicBolt for Split {
    fn execute(&mut self, _t: &Tuple, _c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["word"]);
    }
}

/// sentences (2) → split (4).
pub fn topology() -> StormTopology {
    let mut b = TopologyBuilder::new();
    b.set_spout("sentences", || Sentences, 2);
    b.set_basic_bolt("split", || Split, 4)
        .shuffle_grouping("sentences");
    b.create_topology().expect("valid").definition
}

/// A Nimbus core, leader, over an in-memory state, with its files in a temporary directory.
pub struct Fixture {
    pub core: NimbusCore,
    pub state: Arc<MemClusterState>,
    pub dir: tempfile::TempDir,
    pub clock: Now,
}

impl Fixture {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = Arc::new(MemClusterState::new());
        state.setup().await.expect("setup");
        let config = DaemonConfig {
            local_dir: dir.path().to_owned(),
            ..DaemonConfig::default()
        };
        let store = ArtifactStore::open(
            &dir.path().join("nimbus"),
            1 << 20,
            Duration::from_secs(600),
        )
        .expect("store");
        let core = NimbusCore::new(config, state.clone(), store);
        let clock = Now {
            instant: Instant::now(),
            secs: 1_700_000_000,
        };
        core.gain_leadership(clock).await;
        Self {
            core,
            state,
            dir,
            clock,
        }
    }

    pub fn later(&self, secs: u64) -> Now {
        Now {
            instant: self.clock.instant + Duration::from_secs(secs),
            secs: self.clock.secs + secs,
        }
    }

    pub async fn supervisor(&self, id: &str, ports: &[u16]) {
        self.state
            .register_supervisor(&SupervisorInfo {
                id: id.to_owned(),
                hostname: format!("host-{id}"),
                ports: ports.to_vec(),
                used_ports: Vec::new(),
                time_secs: self.clock.secs,
                uptime_secs: 0,
                version: "test".into(),
                worker_heartbeats: Vec::new(),
            })
            .await
            .expect("register");
    }

    pub async fn call(&self, request: Request) -> Response {
        self.core.handle(request, self.clock).await.0
    }

    /// Uploads `data` and returns its location.
    pub async fn upload(&self, data: &[u8]) -> String {
        let location = match self
            .call(Request::BeginFileUpload {
                size: data.len() as u64,
            })
            .await
        {
            Response::UploadStarted { location } => location,
            other => panic!("begin: {other:?}"),
        };
        for chunk in data.chunks(7) {
            let r = self
                .call(Request::UploadChunk {
                    location: location.clone(),
                    data: chunk.to_vec(),
                })
                .await;
            assert_eq!(r, Response::Ok);
        }
        let r = self
            .call(Request::FinishFileUpload {
                location: location.clone(),
                sha256: hex(&Sha256::digest(data)),
            })
            .await;
        assert!(matches!(r, Response::Uploaded { .. }), "{r:?}");
        location
    }

    pub async fn submit(&self, name: &str, config: &Config) -> Response {
        let artifact = self.upload(b"#!/bin/false\nthe binary").await;
        self.call(Request::SubmitTopology(SubmitTopology {
            name: name.to_owned(),
            artifact,
            config_json: config.to_json().expect("json"),
            topology_json: serde_json::to_string(&topology()).expect("json"),
            custom_groupings: Vec::new(),
            args: vec!["--sentences".into(), "10".into()],
            active: true,
        }))
        .await
    }
}
