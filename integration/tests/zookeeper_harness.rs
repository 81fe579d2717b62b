//! The harness itself: a real server starts, serves, restarts on its data, and is killed by
//! process id when stopped or dropped, panics included.

use std::path::Path;
use std::time::Duration;

use storm_integration::wait::wait_until_blocking;
use storm_integration::ZooKeeperServer;
use zookeeper_client::{Acls, Client, CreateMode};

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn starts_serves_and_stops_by_pid() {
    storm_integration::init_tracing();
    let mut server = ZooKeeperServer::start().expect("ZooKeeper server");
    let pid = server.pid().expect("running");
    assert!(process_exists(pid));
    assert!(server.is_serving());
    assert!(server.connect_string().starts_with("127.0.0.1:"));
    server.stop().expect("stop");
    assert!(!process_exists(pid), "pid {pid} still exists after stop");
    assert!(!server.is_serving());
    server.stop().expect("stopping twice is fine");
}

#[test]
fn a_panicking_test_leaves_no_server_behind() {
    storm_integration::init_tracing();
    let (tx, rx) = std::sync::mpsc::channel();
    let outcome = std::panic::catch_unwind(move || {
        let server = ZooKeeperServer::start().expect("ZooKeeper server");
        tx.send(server.pid().expect("running")).expect("send pid");
        panic!("the test fails while the server runs");
    });
    assert!(outcome.is_err());
    let pid = rx.recv().expect("the pid was sent");
    wait_until_blocking("the server process is gone", Duration::from_secs(5), || {
        !process_exists(pid)
    })
    .expect("killed on drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_port_and_data() {
    storm_integration::init_tracing();
    let mut server = ZooKeeperServer::start().expect("ZooKeeper server");
    let port = server.port();
    {
        let zk = Client::connect(&server.connect_string())
            .await
            .expect("connect");
        zk.create(
            "/kept",
            b"v1",
            &CreateMode::Persistent.with_acls(Acls::anyone_all()),
        )
        .await
        .expect("create");
    }
    let old_pid = server.pid();
    server.restart().expect("restart");
    assert_eq!(server.port(), port);
    assert_ne!(server.pid(), old_pid);
    let zk = Client::connect(&server.connect_string())
        .await
        .expect("connect");
    let (data, _) = zk.get_data("/kept").await.expect("read after restart");
    assert_eq!(data, b"v1");
}
