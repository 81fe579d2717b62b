//! `Leadership`: proof of holding the Nimbus leader latch, released when dropped.

use tokio::sync::watch;

/// Held while this participant leads. Dropping it gives leadership up (the latch node is
/// deleted); losing the session loses it too, which [`Leadership::lost`] reports.
pub struct Leadership {
    lost: watch::Receiver<bool>,
    _release: Box<dyn Send + Sync>,
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leadership")
            .field("held", &self.is_held())
            .finish()
    }
}

impl Leadership {
    /// A leadership whose loss is announced by `lost` turning true (or its sender going away);
    /// dropping `release` gives it up.
    pub(crate) fn new(lost: watch::Receiver<bool>, release: impl Send + Sync + 'static) -> Self {
        Self {
            lost,
            _release: Box::new(release),
        }
    }

    /// Whether leadership is still held, as far as this process knows.
    pub fn is_held(&self) -> bool {
        !*self.lost.borrow() && self.lost.has_changed().is_ok()
    }

    /// Resolves once leadership is lost (session expired, or the latch node was deleted).
    pub async fn lost(&mut self) {
        // An error means the monitor is gone, which also means the latch is no longer watched.
        let _ = self.lost.wait_for(|lost| *lost).await;
    }
}
