//! A standby Nimbus's code sync over real TCP against a leader serving its port: it copies a
//! topology's files with their checksum, is eligible to lead only while it holds them all, and
//! is eligible anyway when no other Nimbus leads; a removed topology's files are deleted.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use actix::Actor;
use common::Fixture;
use storm_client::{DaemonConfig, Request, Response};
use storm_core::Config;
use storm_nimbus::store::ArtifactStore;
use storm_nimbus::{server, Nimbus, NimbusCore, Now};
use storm_zk::{ClusterState, NimbusInfo};
use tokio::net::TcpListener;

const MAX_FRAME: usize = 64 * 1024;

/// A Nimbus that does not lead, over the fixture's cluster state, with a store of its own.
fn standby(f: &Fixture) -> (NimbusCore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ArtifactStore::open(
        &dir.path().join("nimbus"),
        1 << 20,
        Duration::from_secs(600),
    )
    .expect("store");
    let config = DaemonConfig {
        local_dir: dir.path().to_owned(),
        ..DaemonConfig::default()
    };
    (NimbusCore::new(config, f.state.clone(), store), dir)
}

async fn dist(core: &NimbusCore, topology_id: &str) -> Response {
    core.handle(
        Request::GetTopologyDist {
            topology_id: topology_id.to_owned(),
        },
        Now::current(),
    )
    .await
    .0
}

#[actix_rt::test]
async fn a_standby_copies_the_leaders_artifacts_and_is_eligible_only_with_all_of_them() {
    let f = Fixture::new().await;
    let Response::Submitted { topology_id } = f.submit("words", &Config::new()).await else {
        panic!("not submitted");
    };
    let (standby, _standby_dir) = standby(&f);
    let me = NimbusInfo::new("127.0.0.1".to_owned(), 1);

    // Nobody leads: nothing to copy from, so eligible anyway.
    assert!(standby.sync_code(&me).await.expect("sync"));
    assert!(matches!(
        dist(&standby, &topology_id).await,
        Response::Error(_)
    ));

    // A leader whose port nobody answers: the artifact cannot be copied, so not eligible.
    let gone = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let gone_port = gone.local_addr().expect("addr").port();
    drop(gone);
    let dead_leader = f
        .state
        .contend_leadership(&NimbusInfo::new("127.0.0.1".to_owned(), gone_port))
        .await
        .expect("latch");
    assert!(!standby.sync_code(&me).await.expect("sync"));
    drop(dead_leader);

    // The real leader serving its port: copied, checked and installed, so eligible.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let state = f.state.clone();
    let leading = state
        .contend_leadership(&NimbusInfo::new("127.0.0.1".to_owned(), port))
        .await
        .expect("latch");
    let leader_dist = dist(&f.core, &topology_id).await;
    let nimbus = Nimbus::new(Arc::new(f.core)).start();
    actix::spawn(server::serve(listener, nimbus, MAX_FRAME));
    assert!(standby.sync_code(&me).await.expect("sync"));
    assert_eq!(dist(&standby, &topology_id).await, leader_dist);
    let chunk = standby
        .handle(
            Request::DownloadChunk {
                topology_id: topology_id.clone(),
                offset: 0,
                max_len: 1024,
            },
            Now::current(),
        )
        .await
        .0;
    assert_eq!(
        chunk,
        Response::Chunk {
            data: b"#!/bin/false\nthe binary".to_vec()
        }
    );

    // The topology is gone: so are its files on the standby.
    let id = storm_core::TopologyId::new(topology_id.clone());
    state.remove_storm(&id).await.expect("removed");
    assert!(standby.sync_code(&me).await.expect("sync"));
    assert!(matches!(
        dist(&standby, &topology_id).await,
        Response::Error(_)
    ));
    drop(leading);
}
