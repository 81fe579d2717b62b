//! Free loopback ports for servers started by tests.

use std::io;
use std::net::{Ipv4Addr, TcpListener};

/// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read, and released. Another
/// process may take it before the caller binds it, so callers retry with a new port when their
/// server fails to bind.
pub fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// `n` distinct ports on 127.0.0.1 that were free a moment ago (all bound at once, then
/// released), for a supervisor's worker slots.
pub fn free_ports(n: usize) -> io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_a_bindable_port() {
        let port = free_port().expect("a free port");
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("the port is bindable");
    }
}
