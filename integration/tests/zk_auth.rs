//! With `storm.zookeeper.auth.scheme: digest`, the cluster's znodes carry ACLs for the cluster's
//! identity only: a client without the credentials can neither read nor write them.

use storm_core::TopologyId;
use storm_integration::{fixtures, ZooKeeperServer};
use storm_zk::{ClusterState, ZkAuth, ZkClusterState};
use zookeeper_client::{Client, Error as ZkError, Permission};

const USER: &str = "storm";
const PASSWORD: &str = "s3cret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn znodes_carry_acls_and_refuse_clients_without_credentials() {
    storm_integration::init_tracing();
    let server = ZooKeeperServer::start().expect("ZooKeeper server");
    let config = server
        .zk_config("/storm")
        .with_auth(ZkAuth::digest(USER, PASSWORD));
    let nimbus = ZkClusterState::connect(config.clone())
        .await
        .expect("connect with credentials");
    let id = TopologyId::new("secret-1-1700000000");
    let assignment = fixtures::assignment(&id, 6700);
    nimbus.set_assignment(&id, &assignment).await.expect("set");
    nimbus
        .register_supervisor(&fixtures::supervisor("sup-1"))
        .await
        .expect("register");

    // Another daemon with the same credentials reads it.
    let supervisor = ZkClusterState::connect(config).await.expect("connect");
    assert_eq!(
        supervisor.assignment(&id).await.expect("read"),
        Some(assignment)
    );

    // Every znode carries the cluster identity's ACL, and only that.
    let authed = Client::connector()
        .with_auth("digest", format!("{USER}:{PASSWORD}").as_bytes())
        .connect(&server.connect_string())
        .await
        .expect("authenticated plain client");
    let assignment_path = format!("/storm/assignments/{id}");
    for path in [
        "/storm",
        "/storm/assignments",
        assignment_path.as_str(),
        "/storm/supervisors/sup-1",
    ] {
        let (acls, _) = authed.get_acl(path).await.expect("read acl");
        assert_eq!(acls.len(), 1, "{path}: {acls:?}");
        assert_eq!(acls[0].scheme(), "digest", "{path}");
        assert!(
            acls[0].id().starts_with(&format!("{USER}:")),
            "{path}: {}",
            acls[0].id()
        );
        assert_eq!(acls[0].permission(), Permission::ALL, "{path}");
    }

    // A client without credentials can neither read nor write.
    let anonymous = Client::connect(&server.connect_string())
        .await
        .expect("plain client");
    storm_integration::acl_checks::assert_refused_without_credentials(&anonymous, &assignment_path)
        .await;
    assert_eq!(
        anonymous.list_children("/storm/assignments").await.err(),
        Some(ZkError::NoAuth)
    );

    // Nor can one with the wrong password.
    let wrong = Client::connector()
        .with_auth("digest", format!("{USER}:wrong").as_bytes())
        .connect(&server.connect_string())
        .await
        .expect("client with the wrong password");
    assert_eq!(
        wrong.get_data(&assignment_path).await.err(),
        Some(ZkError::NoAuth)
    );

    // A cluster state without the credentials fails at once, saying why.
    let err = ZkClusterState::connect(server.zk_config("/storm"))
        .await
        .expect_err("no credentials");
    assert!(err.is_no_auth(), "{err}");
}
