//! `ZooKeeperEnsemble`: one standalone ZooKeeper server, or several quorum peers on loopback
//! (each with its own client, quorum and election port, `myid` and data directory), as the
//! coordination a test cluster runs on. A member can be stopped and restarted on its own, so a
//! test can take one away and see the cluster carry on with the quorum left.

use crate::ports::free_ports;
use crate::zookeeper::{HarnessError, Membership, ServerOptions, ZooKeeperServer, PORT_ATTEMPTS};

/// The ZooKeeper servers of a test cluster.
#[derive(Debug)]
pub struct ZooKeeperEnsemble {
    members: Vec<ZooKeeperServer>,
}

impl ZooKeeperEnsemble {
    /// Starts `size` servers (one is a standalone server; more form a quorum) and waits until
    /// every one serves, retrying on new ports when a chosen one was taken in the meantime.
    pub fn start(size: usize, options: ServerOptions) -> Result<Self, HarnessError> {
        if size <= 1 {
            return Ok(Self {
                members: vec![ZooKeeperServer::start_with(options)?],
            });
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_quorum(size, &options) {
                Ok(ensemble) => return Ok(ensemble),
                Err(e @ HarnessError::Exited { .. }) if attempt < PORT_ATTEMPTS => {
                    tracing::debug!(error = %e, "a quorum peer exited early; retrying on other ports");
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn start_quorum(size: usize, options: &ServerOptions) -> Result<Self, HarnessError> {
        let ports = free_ports(3 * size).map_err(|source| HarnessError::Io {
            what: "finding free ports for the ensemble".into(),
            source,
        })?;
        let server_lines: String = (0..size)
            .map(|i| {
                format!(
                    "server.{}=127.0.0.1:{}:{}\n",
                    i + 1,
                    ports[3 * i + 1],
                    ports[3 * i + 2]
                )
            })
            .collect();
        let mut members = (0..size)
            .map(|i| {
                let member = Membership {
                    myid: i + 1,
                    server_lines: server_lines.clone(),
                };
                ZooKeeperServer::new(options.clone(), ports[3 * i], Some(member))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A peer serves only once a quorum has formed, so all start before any is waited for.
        for m in &mut members {
            m.spawn()?;
        }
        for m in &mut members {
            m.wait_started()?;
        }
        Ok(Self { members })
    }

    /// `host:port` of each member, for `storm.zookeeper.servers`.
    pub fn servers(&self) -> Vec<String> {
        self.members.iter().map(|m| m.connect_string()).collect()
    }

    /// The connect string naming every member.
    pub fn connect_string(&self) -> String {
        self.servers().join(",")
    }

    /// The members, in `myid` order.
    pub fn members(&self) -> &[ZooKeeperServer] {
        &self.members
    }

    /// One member, to stop or restart on its own.
    pub fn member_mut(&mut self, index: usize) -> Option<&mut ZooKeeperServer> {
        self.members.get_mut(index)
    }

    /// The index of the member that leads the quorum now (a standalone server leads itself).
    pub fn leader(&self) -> Option<usize> {
        self.members
            .iter()
            .position(|m| matches!(m.mode().as_deref(), Some("leader" | "standalone")))
    }

    /// Kills every member (SIGKILL by process id) and waits for them to end. Idempotent.
    pub fn stop(&mut self) -> Result<(), HarnessError> {
        for m in &mut self.members {
            m.stop()?;
        }
        Ok(())
    }

    /// Starts every member again on its ports and data directory (stopping them first), and
    /// waits until all serve.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.stop()?;
        if let [only] = self.members.as_mut_slice() {
            return only.restart();
        }
        for m in &mut self.members {
            m.spawn()?;
        }
        for m in &mut self.members {
            m.wait_started()?;
        }
        Ok(())
    }
}
