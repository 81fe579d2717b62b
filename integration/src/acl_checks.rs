//! Checks shared by the ACL tests: what a ZooKeeper client without the cluster's credentials
//! must be refused.

use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError};

/// Asserts that `anonymous` (a client without credentials) can neither read, overwrite nor
/// delete the znode at `assignment`, nor create a znode under `/storm/assignments`.
pub async fn assert_refused_without_credentials(anonymous: &Client, assignment: &str) {
    assert_eq!(
        anonymous.get_data(assignment).await.err(),
        Some(ZkError::NoAuth),
        "read {assignment}"
    );
    assert_eq!(
        anonymous.set_data(assignment, b"evil", None).await.err(),
        Some(ZkError::NoAuth),
        "write {assignment}"
    );
    assert_eq!(
        anonymous.delete(assignment, None).await.err(),
        Some(ZkError::NoAuth),
        "delete {assignment}"
    );
    let open = CreateMode::Persistent.with_acls(Acls::anyone_all());
    assert_eq!(
        anonymous
            .create("/storm/assignments/injected", b"x", &open)
            .await
            .err(),
        Some(ZkError::NoAuth),
        "create under /storm/assignments"
    );
}
